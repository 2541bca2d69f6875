package dev.pulse.aggregates;

import dev.pulse.testkit.ChildJvm;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.TestServers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Kafka Streams instance killed with a transaction open on an output partition, and another instance of the same
 * application running {@link AbandonedTransactions}: once the group has dropped the killed member (its session
 * timeout), the survivor aborts that transaction, and a {@code read_committed} reader sees the survivor's output on
 * the partition within the session timeout + 5 s of the kill. Without the sweep, the killed instance's transaction
 * would hold the partition's last stable offset until the broker timed it out ({@link EchoStreams#TRANSACTION_TIMEOUT}
 * here, so this test fails without it every time).
 *
 * <p>The application is {@link EchoStreams} (input copied to output, exactly_once_v2, Pulse's group timing): the killed
 * instance runs in a child JVM, stalled on a record after forwarding it, so a transaction is certainly open; the
 * survivor and its sweeper run in this JVM.
 */
class AbandonedTransactionsIntegrationTest {

    private static final Logger LOG = LoggerFactory.getLogger(AbandonedTransactionsIntegrationTest.class);
    /** What the issue allows on top of the session timeout for the killed instance's partitions to produce again. */
    private static final Duration TAKEOVER_SLACK = Duration.ofSeconds(5);
    private static final Duration SESSION_TIMEOUT_PLUS_SLACK = EchoStreams.SESSION_TIMEOUT.plus(TAKEOVER_SLACK);

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String application = "it-abandoned-" + suffix;
    private final String input = "abandoned-in-" + suffix;
    private final String output = "abandoned-out-" + suffix;
    private final String bootstrap = TestServers.kafkaBootstrapServers();

    @Test
    void aKilledInstancesOpenTransactionIsAbortedOnceItLeavesTheGroupSoTheSurvivorsOutputIsReadableWithinTheSessionTimeout()
        throws Exception {
        try (KafkaTestClient kafka = new KafkaTestClient(bootstrap);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
             KafkaProducer<String, String> producer = producer()) {
            kafka.createTopics(List.of(input), 2);
            // One output partition, written by both instances: the killed one's open transaction holds it for all.
            kafka.createTopics(List.of(output), 1);

            Properties survivorConfig = EchoStreams.config(bootstrap, application,
                Files.createTempDirectory("echo-survivor-").toString());
            try (ChildJvm killed = ChildJvm.builder("abandoned-transactions-killed", EchoStreams.class.getName())
                     .args(List.of(bootstrap, application, input, output,
                         Files.createTempDirectory("echo-killed-").toString()))
                     .heap("256m").jvmOptions(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")).start();
                 KafkaStreams survivor = new KafkaStreams(EchoStreams.topology(input, output, false), survivorConfig);
                 AbandonedTransactions sweeper = new AbandonedTransactions(survivorConfig,
                     // No periodic sweep within the test: the rebalance that drops the killed member triggers it.
                     new AbandonedTransactionsProperties(true, Duration.ofMinutes(5)))) {
                awaitGroup(admin, 1, killed);
                sweeper.attach(survivor);
                survivor.start();
                Set<String> survivorMembers = survivor.metadataForLocalThreads().stream()
                    .map(ThreadMetadata::consumerClientId).collect(Collectors.toSet());
                ConsumerGroupDescription group = awaitGroup(admin, 2, killed);
                MemberDescription victim = group.members().stream()
                    .filter(m -> !survivorMembers.contains(m.clientId())).findFirst().orElseThrow();
                int partition = victim.assignment().topicPartitions().stream().filter(p -> p.topic().equals(input))
                    .findFirst().orElseThrow(() -> new AssertionError("the instance to kill owns no partition: " + group))
                    .partition();
                // <application id>-<process id>-StreamThread-1-consumer: its producer is <application id>-<process id>-1.
                String transactionalId = victim.clientId().substring(0, application.length() + 1 + 36) + "-1";

                producer.send(new ProducerRecord<>(input, partition, "k", EchoStreams.STALL)).get(30, TimeUnit.SECONDS);
                TransactionDescription open = awaitOpen(admin, transactionalId, killed);
                assertEquals(List.of(), sweeper.sweep(), "a process still in the group is not fenced");
                assertEquals(open.producerEpoch(), describe(admin, transactionalId).producerEpoch(),
                    "its transaction is left as it was: " + describe(admin, transactionalId));

                killed.sigkill();
                long killedAt = System.nanoTime();
                producer.send(new ProducerRecord<>(input, partition, "k", "after the kill")).get(30, TimeUnit.SECONDS);
                Duration left = SESSION_TIMEOUT_PLUS_SLACK.minus(Duration.ofNanos(System.nanoTime() - killedAt));
                List<KafkaTestClient.Received> read = kafka.awaitRecords(output,
                    records -> records.stream().anyMatch(r -> "after the kill".equals(r.value())), left);
                long recoveryMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                TransactionDescription after = describe(admin, transactionalId);
                LOG.info("Killed {} with {} open on {}; the survivor's output on it readable {} ms after the kill "
                        + "(session timeout {} ms); the killed id afterwards: {} epoch {}", victim.clientId(),
                    transactionalId, open.topicPartitions(), recoveryMs, EchoStreams.SESSION_TIMEOUT.toMillis(),
                    after.state(), after.producerEpoch());

                assertTrue(after.producerEpoch() > open.producerEpoch(), "fenced: " + after);
                assertFalse(after.state() == TransactionState.ONGOING, "aborted: " + after);
                // The killed instance's copy of the stalled record was aborted; the survivor copied it again, once.
                assertEquals(1, read.stream().filter(r -> EchoStreams.STALL.equals(r.value())).count(),
                    "the stalled record once: " + read);
            }
        }
    }

    /** Waits until the application's group is stable with {@code members} members and every input partition owned. */
    private ConsumerGroupDescription awaitGroup(Admin admin, int members, ChildJvm killed) {
        AtomicReference<ConsumerGroupDescription> stable = new AtomicReference<>();
        await("group " + application + " stable with " + members + " members").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .failFast("the instance to kill exited; see " + killed.log(), () -> !killed.isAlive())
            .until(() -> {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(application)).all()
                    .get(30, TimeUnit.SECONDS).get(application);
                long owned = group.members().stream().flatMap(m -> m.assignment().topicPartitions().stream())
                    .filter(p -> p.topic().equals(input)).count();
                stable.set(group);
                return group.state() == ConsumerGroupState.STABLE && group.members().size() == members && owned == 2;
            });
        return stable.get();
    }

    /** Waits until the broker shows {@code transactionalId}'s transaction open on the output partition. */
    private TransactionDescription awaitOpen(Admin admin, String transactionalId, ChildJvm killed) {
        AtomicReference<TransactionDescription> open = new AtomicReference<>();
        TopicPartition outputPartition = new TopicPartition(output, 0);
        await(transactionalId + " open on " + outputPartition).atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
            .failFast("the instance to kill exited; see " + killed.log(), () -> !killed.isAlive())
            .until(() -> {
                open.set(describe(admin, transactionalId));
                return open.get().state() == TransactionState.ONGOING
                    && open.get().topicPartitions().contains(outputPartition);
            });
        return open.get();
    }

    private static TransactionDescription describe(Admin admin, String transactionalId) throws Exception {
        return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get(30, TimeUnit.SECONDS);
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG,
            "all"), new StringSerializer(), new StringSerializer());
    }
}
