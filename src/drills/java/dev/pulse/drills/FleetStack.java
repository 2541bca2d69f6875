package dev.pulse.drills;

import dev.pulse.testkit.EmbeddedKafka;
import dev.pulse.testkit.EmbeddedRedis;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.LoadBalancer;
import dev.pulse.testkit.Ports;
import dev.pulse.testkit.PulseProcess;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The drills' fleet, started as ECS starts the tasks of one service: one broker, one {@code redis-server} (with an
 * append-only file, as a managed Redis keeps its data), and {@code size} Pulse processes with one and the same
 * configuration, each bound to the same HTTP port on a loopback address of its own (127.0.0.2, 127.0.0.3, …, given
 * as {@code MICRONAUT_SERVER_HOST}, the one thing ECS gives each task: its address), behind a real load balancer
 * ({@link LoadBalancer}) that health-checks {@code /health/liveness} as the ALB in {@code infra/} does. Pulse works
 * out the address it advertises to its peers itself. Each task has a filesystem of its own on ECS; here each has a
 * state directory of its own. Plus the drill's producer, a {@code read_committed} reader of the outputs and the
 * comparison with {@link Expected}, as in {@link DrillStack}. Files go to {@code target/drills/<drill>/}.
 */
final class FleetStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FleetStack.class);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String drill;
    final Path dir;
    final EmbeddedKafka broker;
    final EmbeddedRedis redis;
    final List<PulseProcess> pulses;
    final Expected expected = new Expected();
    final Duration startup;
    LoadBalancer lb;
    KafkaProducer<byte[], byte[]> producer;
    KafkaTestClient kafka;
    OutputTail tail;
    OutputCheck check;
    private DrillStack.RedisReader redisReader;

    private FleetStack(String drill, Path dir, EmbeddedKafka broker, EmbeddedRedis redis, List<PulseProcess> pulses,
                       Duration startup) {
        this.drill = drill;
        this.dir = dir;
        this.broker = broker;
        this.redis = redis;
        this.pulses = pulses;
        this.startup = startup;
    }

    /**
     * Starts the servers, {@code size} instances of Pulse with the same {@code pulseProperties}, and, once every
     * instance is ready, the load balancer in front of them, the producer and the output reader.
     */
    static FleetStack start(String drill, int size, Map<String, String> pulseProperties) throws Exception {
        if (LoadBalancer.binary() == null) {
            Assumptions.abort(drill + " skipped: haproxy is not installed (apt-get install haproxy)");
        }
        DrillStack.Servers servers = DrillStack.Servers.start(drill, true);
        Path dir = servers.dir();
        EmbeddedKafka broker = servers.broker();
        EmbeddedRedis redis = servers.redis();
        List<PulseProcess> pulses = new ArrayList<>();
        FleetStack stack = null;
        try {
            Map<String, String> properties = servers.pulseProperties();
            properties.putAll(pulseProperties);
            int port = Ports.free("127.0.0.2");
            long start = System.nanoTime();
            for (int i = 0; i < size; i++) {
                String host = "127.0.0." + (i + 2);
                Map<String, String> settings = new LinkedHashMap<>(properties);
                // A container's own disk: the same path in every task on ECS, a directory of its own here.
                settings.put("kafka.streams.default.state.dir", dir.resolve("task-" + (i + 1) + "-state").toString());
                pulses.add(PulseProcess.named(drill + "-" + (i + 1)).host(host).port(port)
                    .logFile(dir.resolve("pulse-" + (i + 1) + ".log")).properties(settings).heap("512m")
                    .jvmOptions(List.of()).start());
            }
            for (PulseProcess pulse : pulses) {
                pulse.waitUntilReady(Duration.ofMinutes(6));
            }
            Duration startup = Duration.ofNanos(System.nanoTime() - start);
            stack = new FleetStack(drill, dir, broker, redis, pulses, startup);
            stack.lb = LoadBalancer.start(dir.resolve("lb"), pulses.stream()
                .map(p -> new InetSocketAddress(p.host(), p.port())).toList(), "/health/liveness");
            stack.lb.awaitInService(Duration.ofMinutes(2));
            LOG.info("{}: broker at {}, Redis at {}, {} instances on port {}, load balancer at {}; files in {}", drill,
                broker.bootstrapServers(), redis.uri(), size, port, stack.lb.uri(), dir);
            stack.producer = DrillStack.producer(broker.bootstrapServers());
            stack.kafka = new KafkaTestClient(broker.bootstrapServers());
            stack.tail = new OutputTail(broker.bootstrapServers(), OutputCheck.TOPICS);
            stack.redisReader = new DrillStack.RedisReader(redis.uri());
            stack.check = new OutputCheck(stack.tail, stack.expected, stack.redisReader::get);
            return stack;
        } catch (Exception | Error e) {
            for (PulseProcess pulse : pulses) {
                LOG.error("{}: last lines of {}:\n{}", drill, pulse.name(), pulse.logTail(40));
            }
            if (stack != null) {
                stack.close();
            } else {
                for (PulseProcess pulse : pulses) {
                    pulse.close();
                }
                servers.close();
            }
            throw e;
        }
    }

    /** A GET through the load balancer; throws {@link IOException} when nothing answers within 30 s. */
    HttpResponse<String> get(String path) throws IOException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(lb.uri() + path)).timeout(Duration.ofSeconds(30)).GET()
                .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Waits until the outputs match what was sent; the differences that remain (see {@link DrillStack#awaitOutputs}). */
    Map<String, List<String>> awaitOutputs(Duration timeout) throws Exception {
        return DrillStack.awaitOutputs(check, tail, kafka, timeout);
    }

    /** The last lines of every instance's log, for a failure message. */
    String logTails(int lines) {
        StringBuilder text = new StringBuilder();
        for (PulseProcess pulse : pulses) {
            text.append("\n--- ").append(pulse.name()).append(" (").append(pulse.host()).append(") ---\n")
                .append(pulse.logTail(lines));
        }
        return text.toString();
    }

    @Override
    public void close() throws Exception {
        if (tail != null) {
            tail.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (kafka != null) {
            kafka.close();
        }
        if (redisReader != null) {
            redisReader.close();
        }
        if (lb != null) {
            lb.close();
        }
        for (PulseProcess pulse : pulses) {
            pulse.close();
        }
        broker.close();
        redis.close();
    }
}
