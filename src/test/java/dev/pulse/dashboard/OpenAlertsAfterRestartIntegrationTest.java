package dev.pulse.dashboard;

import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.RealServers;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.client.HttpClient;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Open alerts come from the alert state the decisions use, not from what an instance replayed of
 * {@code temperature-alerts}: after a restart that replays one record per partition
 * ({@code pulse.dashboard.replay-per-partition=1}), an alert whose RAISED record is not its partition's last is
 * still open, in {@code GET /api/alerts?state=open} and in the device's {@code alert_state}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAlertsAfterRestartIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int PARTITIONS = 3;

    private final IsolatedTopics topics = new IsolatedTopics();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();
    private ApplicationContext pulse;
    private HttpClient http;

    @AfterAll
    void stop() {
        stopPulse();
        kafka.close();
    }

    @Test
    void anOpenAlertIsStillReportedRaisedAfterARestartThatReplaysOneRecordPerPartition() throws Exception {
        String hot = "open-" + UUID.randomUUID();
        String other = otherDeviceOnTheSamePartition(hot);
        startPulse();
        String sensors = topics.name(Topics.REAL_TIME_DATA);
        kafka.send(sensors, hot, reading(hot, 60, 1_700_000_000L));
        kafka.send(sensors, other, reading(other, 61, 1_700_000_001L));
        kafka.send(sensors, other, reading(other, 20, 1_700_000_002L));
        List<Received> alerts = kafka.readUntil(topics.name(Topics.TEMPERATURE_ALERTS),
            r -> r.stream().filter(a -> other.equals(a.key())).count() == 2, WAIT);
        Received raised = alerts.stream().filter(a -> hot.equals(a.key())).findFirst().orElseThrow();
        Received last = alerts.stream().filter(a -> a.partition() == raised.partition()).reduce((a, b) -> b).orElseThrow();
        assertTrue(last.offset() > raised.offset(), "the RAISED alert is not its partition's last record");
        String alertId = (String) map(raised.value()).get("alert_id");

        stopPulse();
        startPulse();

        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            List<?> open = (List<?>) get("/api/alerts?type=temperature&state=open&limit=1000").get("items");
            assertEquals(1, open.size(), open::toString);
            Map<?, ?> alert = (Map<?, ?>) open.get(0);
            assertEquals(alertId, alert.get("alert_id"));
            assertEquals(hot, alert.get("device_id"));
            assertEquals("RAISED", alert.get("state"));
            assertEquals(60.0, ((Number) alert.get("temperature")).doubleValue());
            assertEquals(50.0, ((Number) alert.get("threshold")).doubleValue());
            assertEquals(1_700_000_000L, ((Number) alert.get("timestamp")).longValue());
        });
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            assertEquals("RAISED", get("/api/devices/" + hot).get("alert_state"));
            assertEquals("NORMAL", get("/api/devices/" + other).get("alert_state"));
        });
    }

    /** A device whose alerts go to the same partition as {@code device}'s, as the producer's partitioner puts them. */
    private static String otherDeviceOnTheSamePartition(String device) {
        int partition = partition(device);
        for (int i = 0; ; i++) {
            String other = device + "-other-" + i;
            if (partition(other) == partition) {
                return other;
            }
        }
    }

    private static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private void startPulse() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, Object> properties = new HashMap<>(RealServers.serverProperties());
        properties.putAll(topics.allTopicsProperties());
        properties.put("micronaut.server.port", port);
        properties.put("pulse.kafka.partitions", PARTITIONS);
        properties.put("pulse.redis.prefix", "it-open-" + topics.suffix());
        properties.put("pulse.dashboard.replay-per-partition", 1);
        for (String listener : new String[] {"transform", "fraud", "catalog"}) {
            properties.put("pulse.listeners." + listener + ".enabled", "false");
        }
        pulse = ApplicationContext.builder().environments("test").properties(properties).start();
        pulse.getBean(EmbeddedServer.class).start();
        http = HttpClient.create(new URL("http://localhost:" + port));
    }

    private void stopPulse() {
        if (http != null) {
            http.close();
            http = null;
        }
        if (pulse != null) {
            pulse.close();
            pulse = null;
        }
    }

    private Map<?, ?> get(String path) throws IOException {
        return pulse.getBean(JsonMapper.class).readValue(http.toBlocking().retrieve(path), Map.class);
    }

    private Map<?, ?> map(String json) throws IOException {
        return pulse.getBean(JsonMapper.class).readValue(json, Map.class);
    }

    private static String reading(String device, double temperature, long timestamp) {
        return "{\"device_id\": \"%s\", \"temperature\": %s, \"timestamp\": %d}".formatted(device, temperature, timestamp);
    }
}
