package dev.pulse;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.EmbeddedKafka;
import dev.pulse.testkit.EmbeddedRedis;
import dev.pulse.testkit.PulseProcess;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No secret in any log line: Pulse runs in a child JVM with every secret the README lists set in its environment
 * (SASL password against a SASL-only broker, Redis password, API key, trust and key store passwords), logging at
 * INFO with Kafka's client configuration dumps on and DEBUG for Pulse's own loggers, is used (writes with the right
 * and a wrong key, a dead letter, cached reads, health) and stopped; none of the secret values is in its output.
 */
class SecretsNotLoggedIntegrationTest {

    private static final String LOGGING = """
        <configuration>
            <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger - %msg%n%ex</pattern></encoder>
            </appender>
            <logger name="dev.pulse" level="DEBUG"/>
            <logger name="org.apache.kafka" level="INFO"/>
            <root level="INFO"><appender-ref ref="OUT"/></root>
        </configuration>
        """;

    @Test
    void noSecretValueAppearsInAnyLogLine() throws Exception {
        String kafkaPassword = "kafka-secret-" + UUID.randomUUID();
        String redisPassword = "redis-secret-" + UUID.randomUUID();
        String apiKey = "api-key-" + UUID.randomUUID();
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"pulse\" password=\"" + kafkaPassword + "\";");
        secrets.put("PULSE_API_KEY", apiKey);
        secrets.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", "truststore-secret-" + UUID.randomUUID());
        secrets.put("KAFKA_SSL_KEYSTORE_PASSWORD", "keystore-secret-" + UUID.randomUUID());
        secrets.put("KAFKA_SSL_KEY_PASSWORD", "key-secret-" + UUID.randomUUID());
        secrets.put("PULSE_REDIS_TRUSTSTORE_PASSWORD", "redis-truststore-secret-" + UUID.randomUUID());

        Map<String, String> users = new LinkedHashMap<>();
        users.put("admin", "admin-" + UUID.randomUUID());
        users.put("pulse", kafkaPassword);
        Path logging = Files.createTempFile("logback-secrets-", ".xml");
        Files.writeString(logging, LOGGING);
        try (EmbeddedKafka broker = EmbeddedKafka.startWithSaslPlain(users);
             EmbeddedRedis redis = EmbeddedRedis.start(0, false, List.of("--requirepass", redisPassword))) {
            PulseProcess.Builder builder = PulseProcess.named("secrets")
                .env("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers())
                .env("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
                .env("KAFKA_SASL_MECHANISM", "PLAIN")
                .env("REDIS_URI", "redis://:" + redisPassword + "@127.0.0.1:" + redis.port())
                .property("kafka.streams.default.application.id", "pulse-secrets-" + UUID.randomUUID())
                .logging(logging);
            secrets.forEach(builder::env);
            try (PulseProcess pulse = builder.start()) {
                pulse.waitUntilReady(Duration.ofSeconds(180));
                exercise(pulse, apiKey, broker.bootstrapServers(), users.get("admin"));
                assertEquals(143, pulse.sigterm(Duration.ofSeconds(60)), "stopped by SIGTERM");

                String log = pulse.output();
                assertTrue(log.contains("ProducerConfig values") && log.contains("ConsumerConfig values")
                    && log.contains("StreamsConfig values"), "Kafka's configuration dumps were captured");
                assertTrue(log.contains("sasl.jaas.config = [hidden]"), "the dumps name the JAAS setting, hidden");
                assertTrue(log.contains("dead-lettered"), "the dead letter was logged");
                secrets.put("redis password", redisPassword);
                secrets.put("kafka password", kafkaPassword);
                for (Map.Entry<String, String> secret : secrets.entrySet()) {
                    String value = secret.getKey().equals("KAFKA_SASL_JAAS_CONFIG") ? kafkaPassword : secret.getValue();
                    List<String> leaks = log.lines().filter(line -> line.contains(value)).toList();
                    assertEquals(List.of(), leaks, secret.getKey() + " is in the log (" + pulse.log() + ")");
                }
            }
        }
    }

    /** Uses everything that might log: ingest with and without the key, a dead letter, cached reads, health. */
    private static void exercise(PulseProcess pulse, String apiKey, String bootstrap, String adminPassword) throws Exception {
        HttpRequest.Builder write = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + pulse.port()
            + "/api/events/words")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"word\": \"secret\"}"));
        assertEquals(202, pulse.send(write.copy().header("X-API-Key", apiKey)).statusCode());
        assertEquals(401, pulse.send(write.copy().header("X-API-Key", "wrong-" + apiKey.substring(0, 4))).statusCode());

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
            "bootstrap.servers", bootstrap, "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
            "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" "
                + "password=\"" + adminPassword + "\";"), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.INPUT_TOPIC, "bad", "{\"id\": 1, \"value\": \"x\"}"))
                .get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> pulse.output().contains("dead-lettered"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertTrue(pulse.get("/api/words/secret").body().contains("\"count\":1"), "the word was counted");
            assertTrue(pulse.get("/api/words/secret").body().contains("\"source\":\"cache\""), "read through Redis");
        });
        assertEquals(200, pulse.get("/health").statusCode());
    }
}
