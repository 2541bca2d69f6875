package dev.pulse;

import dev.pulse.testkit.EmbeddedRedis;
import dev.pulse.testkit.RealServers;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * What the load balancer and the container health check ask, {@code /health/liveness}, stays UP while Redis is away
 * (Pulse processes and answers reads without it), while readiness, for people and for probes that may take an
 * instance out of rotation, reports Redis DOWN. Runs on a Redis server of its own, which it stops.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoadBalancerHealthIntegrationTest implements RealServers {

    private final EmbeddedRedis redis = startRedis();
    private final HttpClient client = HttpClient.newHttpClient();

    @Inject
    EmbeddedServer server;

    @Inject
    JsonMapper json;

    @Override
    public Map<String, String> extraProperties() {
        return Map.of("redis.uri", redis.uri());
    }

    @AfterAll
    void stopRedis() {
        redis.close();
    }

    @Test
    void livenessStaysUpWhileRedisIsDownAndReadinessReportsRedisDown() throws Exception {
        // Readiness asks Kafka and Redis, which takes a while on a busy machine; liveness asks neither.
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().untilAsserted(() ->
            assertEquals("UP", componentStatus(get("/health/readiness"), "redis")));
        assertEquals(200, get("/health/liveness").statusCode());

        redis.stop();
        try {
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().untilAsserted(() -> {
                HttpResponse<String> readiness = get("/health/readiness");
                assertEquals(503, readiness.statusCode(), readiness.body());
                assertEquals("DOWN", componentStatus(readiness, "redis"));
            });
            // Several checks in a row, as the load balancer makes them: none may fail.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                HttpResponse<String> liveness = get("/health/liveness");
                assertEquals(200, liveness.statusCode(), liveness.body());
                assertEquals("UP", body(liveness).get("status"));
                assertFalse(liveness.body().contains("redis"), liveness.body());
            });
        } finally {
            redis.start();
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + path))
            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private Map<?, ?> body(HttpResponse<String> response) throws IOException {
        return json.readValue(response.body(), Map.class);
    }

    private String componentStatus(HttpResponse<String> response, String component) throws IOException {
        Map<?, ?> details = (Map<?, ?>) body(response).get("details");
        Map<?, ?> part = details == null ? null : (Map<?, ?>) details.get(component);
        return part == null ? null : (String) part.get("status");
    }

    private static EmbeddedRedis startRedis() {
        try {
            return EmbeddedRedis.start(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
