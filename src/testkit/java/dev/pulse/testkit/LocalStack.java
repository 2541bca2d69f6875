package dev.pulse.testkit;

import dev.pulse.Application;
import dev.pulse.redis.RedisConnector;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The one-command local stack ({@code ./mvnw -Plocal}): a Kafka broker and a Redis server in this
 * JVM's care, Pulse itself, and demo traffic. With {@code KAFKA_BOOTSTRAP_SERVERS} or
 * {@code REDIS_URI} set, it uses those and starts nothing of its own for them. Lives in the test
 * sources so the embedded servers never reach the production artifact.
 */
public final class LocalStack {

    private LocalStack() {
    }

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        Map<String, Object> properties = new HashMap<>();

        String kafka = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        EmbeddedKafka embeddedKafka = null;
        if (kafka == null || kafka.isBlank()) {
            embeddedKafka = EmbeddedKafka.start(portOr(9092));
            kafka = embeddedKafka.bootstrapServers();
        }
        properties.put("kafka.bootstrap.servers", kafka);
        if (embeddedKafka != null) {
            // The embedded broker starts empty every time; Streams' state kept from an earlier run (the default
            // directory under java.io.tmpdir) would name offsets this broker never had, and its tasks would start
            // by finding their state corrupted and wiping it. So this stack's state starts empty too, in target/.
            Path state = Path.of("target", "local-stack", "streams-state").toAbsolutePath();
            Utils.delete(state.toFile());
            Files.createDirectories(state);
            properties.put("kafka.streams.default.state.dir", state.toString());
        }

        String redis = System.getenv("REDIS_URI");
        EmbeddedRedis embeddedRedis = null;
        if (redis == null || redis.isBlank()) {
            embeddedRedis = EmbeddedRedis.start(portOr(6379));
            redis = embeddedRedis.uri();
        }
        properties.put("redis.uri", redis);

        // The local stack is for trying Pulse out: demo traffic on, writes open without a key.
        properties.put("pulse.demo.enabled", System.getenv().getOrDefault("PULSE_DEMO_ENABLED", "true"));
        properties.put("pulse.api.auth-disabled", "true");
        // One instance on this machine: it advertises localhost rather than whatever address the machine has now.
        properties.put("pulse.cluster.advertised-host", System.getenv().getOrDefault("PULSE_ADVERTISED_HOST", "localhost"));
        // No other instance to hold a standby copy of the stores: without this, every rebalance logs a warning per task.
        properties.put("kafka.streams.default.num.standby.replicas",
            System.getenv().getOrDefault("PULSE_STREAMS_STANDBY_REPLICAS", "0"));

        ApplicationContext context;
        try {
            context = Micronaut.build(args)
                .mainClass(Application.class)
                .environments("local")
                .properties(properties)
                .start();
        } catch (RuntimeException failed) {
            stopServers(embeddedRedis, embeddedKafka); // no redis-server left running behind a failed start
            throw failed;
        }

        EmbeddedKafka stopKafka = embeddedKafka;
        EmbeddedRedis stopRedis = embeddedRedis;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Redis first: on Ctrl+C the broker's test kit deletes its log directory in a shutdown hook of its own,
            // and the broker then halts the JVM, so whatever this hook has not done by then is left behind.
            stopServers(stopRedis, null);
            context.close(); // clients before the broker, so none spins on a stopped broker
            stopServers(null, stopKafka);
        }, "pulse-local-stack-stop"));

        int port = context.findBean(EmbeddedServer.class).map(EmbeddedServer::getPort).orElse(8080);
        System.out.printf("""

            Pulse is up in %.1f s.
              Dashboard and API  http://localhost:%d/   (health: /health, metrics: /prometheus)
              Kafka              %s%s
              Redis              %s%s
              Demo traffic       %s
            Ctrl+C stops everything.

            """,
            (System.nanoTime() - start) / 1e9, port,
            kafka, embeddedKafka == null ? " (given)" : " (embedded)",
            RedisConnector.withoutCredentials(redis), embeddedRedis == null ? " (given)" : " (embedded)",
            properties.get("pulse.demo.enabled").equals("true") ? "on" : "off");
    }

    private static void stopServers(EmbeddedRedis redis, EmbeddedKafka kafka) {
        if (redis != null) {
            redis.close();
        }
        if (kafka != null) {
            try {
                kafka.close();
            } catch (Exception ignored) {
                // stopping on the way out: nothing more to do
            }
        }
    }

    /** The usual port when it is free (so the tutorials' clients work unchanged), else any free one. */
    private static int portOr(int preferred) {
        try (ServerSocket socket = new ServerSocket(preferred)) {
            socket.setReuseAddress(true);
            return preferred;
        } catch (IOException busy) {
            System.out.printf("Port %d is taken; using a free port instead.%n", preferred);
            return 0;
        }
    }
}
