package dev.pulse.testkit;

import dev.pulse.testkit.EmbeddedKafka;
import dev.pulse.testkit.EmbeddedRedis;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real Kafka broker and Redis server that every integration test of this JVM shares, started on
 * first use and stopped when the JVM exits, which is after every test class has closed its
 * Micronaut context (so no client is left spinning on a dead broker).
 *
 * <p>{@code -Dpulse.test.kafka=testcontainers} runs Kafka in Testcontainers instead of in-JVM; without
 * a Docker engine that answers, the tests using it are skipped with a message.
 */
public final class TestServers {

    private static final Logger LOG = LoggerFactory.getLogger(TestServers.class);

    private static String kafkaBootstrap;
    private static EmbeddedRedis redis;

    private TestServers() {
    }

    public static synchronized String kafkaBootstrapServers() {
        if (kafkaBootstrap == null) {
            kafkaBootstrap = "testcontainers".equals(System.getProperty("pulse.test.kafka"))
                ? startTestcontainersKafka()
                : startEmbeddedKafka();
        }
        return kafkaBootstrap;
    }

    public static synchronized EmbeddedRedis redis() {
        if (redis == null) {
            try {
                redis = EmbeddedRedis.start(0);
            } catch (Exception e) {
                throw new IllegalStateException("could not start redis-server", e);
            }
            LOG.info("Test Redis at {} ({})", redis.uri(), redis.binary());
            EmbeddedRedis started = redis;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "stop-test-redis"));
        }
        return redis;
    }

    private static String startEmbeddedKafka() {
        try {
            long start = System.nanoTime();
            EmbeddedKafka kafka = EmbeddedKafka.start(0);
            LOG.info("Test Kafka (KRaft, in-JVM) at {} in {} ms", kafka.bootstrapServers(),
                (System.nanoTime() - start) / 1_000_000);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    kafka.close();
                } catch (Exception e) {
                    LOG.warn("stopping the test broker failed", e);
                }
            }, "stop-test-kafka"));
            return kafka.bootstrapServers();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the in-JVM Kafka broker", e);
        }
    }

    private static String startTestcontainersKafka() {
        boolean docker;
        try {
            docker = org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            docker = false;
        }
        Assumptions.assumeTrue(docker,
            "-Dpulse.test.kafka=testcontainers asks for Kafka in Docker, but no Docker engine answers here: skipped");
        var container = new org.testcontainers.kafka.KafkaContainer("apache/kafka:3.9.1")
            // As the in-JVM broker: nothing deleted by time, whatever the records' timestamps (EmbeddedKafka).
            .withEnv("KAFKA_LOG_RETENTION_MS", "-1");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-test-kafka"));
        return container.getBootstrapServers();
    }
}
