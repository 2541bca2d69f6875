package dev.pulse.testkit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test kit's launcher does what the fleet tests and the drills rely on: Pulse serves on the loopback address and
 * port it is given (as a deployment sets them, by environment), and after a SIGKILL it starts again in the same slot.
 */
class PulseProcessIntegrationTest {

    private static final String ADDRESS = "127.0.0.2";

    @Test
    void servesOnTheGivenLoopbackAddressAndPortAndStartsAgainThereAfterASigkill() throws Exception {
        IsolatedTopics topics = new IsolatedTopics();
        int port = Ports.free(ADDRESS);
        try (PulseProcess pulse = PulseProcess.named("testkit-slot").testServers().host(ADDRESS).port(port)
            .properties(topics.allTopicsProperties())
            .property("kafka.streams.default.application.id", "pulse-testkit-" + topics.suffix())
            .start()) {
            pulse.waitUntilReady(Duration.ofSeconds(180));
            assertEquals("http://" + ADDRESS + ":" + port + "/health", pulse.uri("/health").toString());
            assertThrows(IOException.class, () -> new Socket("127.0.0.1", port).close(),
                "bound to " + ADDRESS + " only, not to every address");
            long first = pulse.pid();

            pulse.sigkill();
            assertFalse(pulse.isAlive());
            pulse.restart();
            pulse.waitUntilReady(Duration.ofSeconds(180));
            assertTrue(pulse.pid() != first, "a new process");
            assertEquals(200, pulse.get("/health/readiness").statusCode(), "in the same slot: " + pulse.uri("/"));
            assertEquals(143, pulse.sigterm(Duration.ofSeconds(60)), "stopped by SIGTERM");
            assertEquals(2, pulse.output().lines().filter(l -> l.contains("Server Running: http://" + ADDRESS + ":" + port))
                .count(), "both runs on that address and port, in one log:\n" + pulse.logTail(20));
        }
    }
}
