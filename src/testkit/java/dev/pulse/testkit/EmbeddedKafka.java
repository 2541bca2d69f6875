package dev.pulse.testkit;

import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;

import java.util.HashMap;
import java.util.Map;

/**
 * A real single-node Kafka cluster (KRaft, broker and controller combined) inside this JVM, from
 * Kafka's own test kit. Used by the integration tests and by the local stack; never part of the
 * production artifact.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /**
     * Formats and starts a cluster and waits until its broker is ready.
     *
     * @param port the client port, or 0 for any free port
     */
    public static EmbeddedKafka start(int port) throws Exception {
        Map<String, String> overrides = new HashMap<>();
        if (port != 0) {
            // Pin the client listener; the controller's port stays free.
            overrides.put("listeners", "EXTERNAL://localhost:" + port + ",CONTROLLER://localhost:0");
        }
        return start(overrides);
    }

    /**
     * Starts a cluster whose client listener takes SASL/PLAIN only, with these users and passwords
     * (the broker itself logs in as the first user).
     */
    public static EmbeddedKafka startWithSaslPlain(Map<String, String> users) throws Exception {
        Map.Entry<String, String> self = users.entrySet().iterator().next();
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
            .append(" username=\"").append(self.getKey()).append("\" password=\"").append(self.getValue()).append('"');
        users.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
        jaas.append(';');
        return start(Map.of(
            "listener.security.protocol.map", "EXTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
            "sasl.enabled.mechanisms", "PLAIN",
            "sasl.mechanism.inter.broker.protocol", "PLAIN",
            "listener.name.external.plain.sasl.jaas.config", jaas.toString()));
    }

    private static EmbeddedKafka start(Map<String, String> brokerOverrides) throws Exception {
        TestKitNodes.Builder nodes = new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1);
        if (!brokerOverrides.isEmpty()) {
            // The combined node has id 0; its own properties win over the test kit's defaults.
            nodes.setPerServerProperties(Map.of(0, brokerOverrides));
        }
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build());
        // A one-broker cluster: every internal topic has a single replica.
        builder.setConfigProp("offsets.topic.replication.factor", "1");
        builder.setConfigProp("offsets.topic.num.partitions", "5");
        builder.setConfigProp("transaction.state.log.replication.factor", "1");
        builder.setConfigProp("transaction.state.log.min.isr", "1");
        builder.setConfigProp("transaction.state.log.num.partitions", "5");
        builder.setConfigProp("group.initial.rebalance.delay.ms", "0");
        builder.setConfigProp("num.partitions", "3");
        builder.setConfigProp("auto.create.topics.enable", "true");
        builder.setConfigProp("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        KafkaClusterTestKit cluster = builder.build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new EmbeddedKafka(cluster);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
