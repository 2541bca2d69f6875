package dev.pulse.testkit;

import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real single-node Kafka cluster (KRaft, broker and controller combined), in one of two modes with the same
 * settings ({@link #SINGLE_NODE}):
 * <ul>
 * <li>in this JVM, from Kafka's own test kit ({@link #start(int)}, {@link #startWithSaslPlain(Map)}): the integration
 *     tests' broker, the local stack's and the load driver's;</li>
 * <li>in a child JVM ({@link #startChildProcess(Path)}, {@code kafka.Kafka} from the {@code kafka_2.13} jar on the
 *     test class path) with a fixed log directory and fixed ports, so it can be stopped (SIGTERM, a clean shutdown)
 *     and started again on the same port with its data, as an operator restarts a broker: the fault drills'.</li>
 * </ul>
 * Never part of the production artifact.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** A one-broker cluster: every internal topic has a single replica; new topics get three partitions. */
    static final Map<String, String> SINGLE_NODE = singleNode();

    private final KafkaClusterTestKit cluster;
    private final ChildJvm process;
    private final Path dir;
    private final String bootstrapServers;

    private EmbeddedKafka(KafkaClusterTestKit cluster, ChildJvm process, Path dir, String bootstrapServers) {
        this.cluster = cluster;
        this.process = process;
        this.dir = dir;
        this.bootstrapServers = bootstrapServers;
    }

    private static Map<String, String> singleNode() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("offsets.topic.replication.factor", "1");
        settings.put("offsets.topic.num.partitions", "5");
        settings.put("transaction.state.log.replication.factor", "1");
        settings.put("transaction.state.log.min.isr", "1");
        settings.put("transaction.state.log.num.partitions", "5");
        settings.put("group.initial.rebalance.delay.ms", "0");
        settings.put("num.partitions", "3");
        settings.put("auto.create.topics.enable", "true");
        // Kafka's default, which the test kit lowers: the page cache is durable enough for a test broker.
        settings.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        // No deletion by time. Records carry their event time (the contract's samples are from 2021 and 2023), and
        // a broker deletes every segment whose newest record is older than the retention (7 days) at its next
        // retention check, 30 s after start and then every 5 minutes: a test reading such an output just after
        // that check found it gone (ContractSamplesIntegrationTest in CI, click-purchases and aggregated-topic).
        settings.put("log.retention.ms", "-1");
        return Map.copyOf(settings);
    }

    /**
     * Formats and starts a cluster in this JVM and waits until its broker is ready.
     *
     * @param port the client port, or 0 for any free port
     */
    public static EmbeddedKafka start(int port) throws Exception {
        Map<String, String> overrides = new HashMap<>();
        if (port != 0) {
            // Pin the client listener; the controller's port stays free.
            overrides.put("listeners", "EXTERNAL://localhost:" + port + ",CONTROLLER://localhost:0");
        }
        return startInJvm(overrides);
    }

    /**
     * Starts a cluster in this JVM whose client listener takes SASL/PLAIN only, with these users and passwords (the
     * broker itself logs in as the first user).
     */
    public static EmbeddedKafka startWithSaslPlain(Map<String, String> users) throws Exception {
        Map.Entry<String, String> self = users.entrySet().iterator().next();
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
            .append(" username=\"").append(self.getKey()).append("\" password=\"").append(self.getValue()).append('"');
        users.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
        jaas.append(';');
        return startInJvm(Map.of(
            "listener.security.protocol.map", "EXTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
            "sasl.enabled.mechanisms", "PLAIN",
            "sasl.mechanism.inter.broker.protocol", "PLAIN",
            "listener.name.external.plain.sasl.jaas.config", jaas.toString()));
    }

    /** As {@link #start(int)} on any port, with these broker settings over {@link #SINGLE_NODE}'s. */
    static EmbeddedKafka startWith(Map<String, String> brokerOverrides) throws Exception {
        return startInJvm(brokerOverrides);
    }

    private static EmbeddedKafka startInJvm(Map<String, String> brokerOverrides) throws Exception {
        TestKitNodes.Builder nodes = new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1);
        if (!brokerOverrides.isEmpty()) {
            // The combined node has id 0; its own properties win over the test kit's defaults.
            nodes.setPerServerProperties(Map.of(0, brokerOverrides));
        }
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build());
        SINGLE_NODE.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder.build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new EmbeddedKafka(cluster, null, null, cluster.bootstrapServers());
    }

    /**
     * Formats a new cluster in {@code dir} ({@code server.properties}, {@code data/}, {@code broker.log}) and starts it
     * in a child JVM on free ports; returns once it answers. {@link #stop} and {@link #restart} keep port and data.
     */
    public static EmbeddedKafka startChildProcess(Path dir) throws Exception {
        Files.createDirectories(dir);
        int port = Ports.free();
        int controllerPort = Ports.free();
        Properties props = new Properties();
        props.setProperty("process.roles", "broker,controller");
        props.setProperty("node.id", "1");
        props.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
        props.setProperty("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        props.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
        props.setProperty("controller.listener.names", "CONTROLLER");
        props.setProperty("inter.broker.listener.name", "PLAINTEXT");
        props.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.setProperty("log.dirs", dir.resolve("data").toAbsolutePath().toString());
        SINGLE_NODE.forEach(props::setProperty);
        Path config = dir.resolve("server.properties");
        try (Writer out = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            props.store(out, "Pulse test broker");
        }
        ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
        int formatted = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c",
            config.toString(), "--ignore-formatted"}, new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
        if (formatted != 0) {
            throw new IllegalStateException("kafka-storage format failed: " + formatOutput);
        }
        ChildJvm process = ChildJvm.builder("kafka-broker", "kafka.Kafka").args(List.of(config.toString()))
            .heap("512m").logFile(dir.resolve("broker.log")).start();
        EmbeddedKafka broker = new EmbeddedKafka(null, process, dir, "localhost:" + port);
        try {
            broker.awaitAnswering(Duration.ofSeconds(120));
        } catch (IOException | RuntimeException e) {
            process.close();
            throw e;
        }
        return broker;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The child process's id (child-process mode only). */
    public long pid() {
        return child().pid();
    }

    /** A clean shutdown (SIGTERM), SIGKILL after {@code timeout} (child-process mode only). */
    public void stop(Duration timeout) throws InterruptedException {
        child().stop(timeout);
    }

    /** Starts the stopped broker again on the same port with its data; returns once it answers (child-process mode only). */
    public void restart() throws IOException {
        ChildJvm child = child();
        if (child.isAlive()) {
            return;
        }
        child.restart();
        awaitAnswering(Duration.ofSeconds(120));
    }

    @Override
    public void close() throws Exception {
        if (cluster != null) {
            cluster.close();
        } else {
            process.close();
        }
    }

    private ChildJvm child() {
        if (process == null) {
            throw new IllegalStateException("only a broker started with startChildProcess can be stopped and restarted");
        }
        return process;
    }

    private void awaitAnswering(Duration timeout) throws IOException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000))) {
            await("the broker at " + bootstrapServers + " answering").atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .failFast("exited", () -> !process.isAlive())
                .until(() -> !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty());
        } catch (TerminalFailureException exited) {
            throw new IOException("the broker exited; see " + dir.resolve("broker.log"));
        } catch (ConditionTimeoutException late) {
            throw new IOException("the broker did not answer within " + timeout + "; see " + dir.resolve("broker.log"));
        }
    }
}
