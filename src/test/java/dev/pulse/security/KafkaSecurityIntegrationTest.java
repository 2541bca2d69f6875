package dev.pulse.security;

import dev.pulse.ingest.IngestService;
import dev.pulse.ingest.IngestStream;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.EmbeddedKafka;
import dev.pulse.testkit.TestServers;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import org.apache.kafka.clients.admin.AdminClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pulse against a broker whose listener takes SASL/PLAIN only, configured the way ECS would: by
 * environment variables alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaSecurityIntegrationTest {

    private EmbeddedKafka broker;

    @BeforeAll
    void startSecuredBroker() throws Exception {
        Map<String, String> users = new LinkedHashMap<>();
        users.put("admin", "admin-secret");
        users.put("pulse", "pulse-secret");
        broker = EmbeddedKafka.startWithSaslPlain(users);
    }

    @AfterAll
    void stopBroker() throws Exception {
        broker.close();
    }

    @Test
    void connectsWithSaslCredentialsFromEnvironmentVariables() {
        try (ApplicationContext context = start(credentials("pulse", "pulse-secret"))) {
            assertTrue(context.getBean(TopicCreator.class).created().contains(Topics.WORD_COUNTS),
                "created the topics through the SASL listener");
            assertEquals(1, context.getBean(IngestService.class).ingest(IngestStream.WORDS, "{\"word\": \"secure\"}", false));
            AdminClient admin = context.getBean(AdminClient.class);
            assertTrue(assertDoesNotThrowNames(admin).contains(Topics.WORD_COUNTS));
        }
    }

    @Test
    void isRefusedWithoutCredentials() {
        Exception refused = assertThrows(Exception.class, () -> start(Map.of()).close());
        assertTrue(causeChain(refused).contains("Could not list the topics on the Kafka cluster"), causeChain(refused));
    }

    @Test
    void isRefusedWithAWrongPassword() {
        Exception refused = assertThrows(Exception.class, () -> start(credentials("pulse", "wrong")).close());
        assertTrue(causeChain(refused).contains("Authentication failed"), causeChain(refused));
    }

    private static Map<String, Object> credentials(String user, String password) {
        return Map.of(
            "KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
            "KAFKA_SASL_MECHANISM", "PLAIN",
            "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"" + user + "\" password=\"" + password + "\";");
    }

    private ApplicationContext start(Map<String, Object> environmentVariables) {
        Map<String, Object> env = new HashMap<>(environmentVariables);
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("REDIS_URI", TestServers.redis().uri());
        env.put("MICRONAUT_SERVER_PORT", "-1");
        env.put("PULSE_KAFKA_CREATE_TIMEOUT", "10s");
        return ApplicationContext.builder()
            .propertySources(PropertySource.of("env", env, PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE))
            .start();
    }

    private static java.util.Set<String> assertDoesNotThrowNames(AdminClient admin) {
        try {
            return admin.listTopics().names().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("listing topics over SASL failed", e);
        }
    }

    private static String causeChain(Throwable t) {
        StringBuilder chain = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            chain.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" <- ");
        }
        return chain.toString();
    }
}
