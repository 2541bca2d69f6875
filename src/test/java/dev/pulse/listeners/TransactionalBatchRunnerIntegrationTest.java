package dev.pulse.listeners;

import dev.pulse.testkit.TestServers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner's per-partition transactions against a real broker: a partition's new owner aborts at once what a
 * killed owner left open (outputs and offsets), and a zombie owner of the same partition commits nothing once the
 * new owner has it.
 */
class TransactionalBatchRunnerIntegrationTest {

    private static final String PREFIX = "pulse";
    /** Far longer than either test may take: the broker must not be what aborts the zombie's transaction. */
    private static final int ZOMBIE_TRANSACTION_TIMEOUT_MS = 120_000;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String input = "runner-in-" + suffix;
    private final String output = "runner-out-" + suffix;
    private final String group = "it-runner-" + suffix;
    private final String bootstrap = TestServers.kafkaBootstrapServers();
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
    }

    @Test
    void theNewOwnerOfAPartitionAbortsWhatItsKilledOwnerLeftOpenAtOnce() throws Exception {
        createTopics(2);
        sendInputs(2, 10);
        // The killed owner of partition 0: a transaction with an output and the group's offsets, never ended.
        TopicPartition p0 = new TopicPartition(input, 0);
        Producer<byte[], byte[]> killed = producer(TransactionalBatchRunner.transactionalId(PREFIX, group, p0),
            ZOMBIE_TRANSACTION_TIMEOUT_MS);
        killed.initTransactions();
        killed.beginTransaction();
        killed.send(new ProducerRecord<>(output, 0, bytes("k"), bytes("left open"))).get();
        killed.sendOffsetsToTransaction(Map.of(p0, new OffsetAndMetadata(10)), new ConsumerGroupMetadata(group));

        TransactionalBatchRunner runner = runner(new ListenerHealth());
        KafkaConsumer<byte[], byte[]> consumer = consumer();
        BatchListener listener = new BatchListener("l", runner, new ListenerHealth(), TransactionalBatchRunnerIntegrationTest::echo) {
        };
        listener.setKafkaConsumer(consumer);
        long started = System.nanoTime();
        consumer.subscribe(List.of(input), listener);
        int processed = 0;
        while (processed < 20 && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(60)) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
            listener.handle(records, consumer);
            processed += records.count();
        }
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals(Set.of(p0, new TopicPartition(input, 1)), runner.producing("l"), "a producer per partition");
        assertTrue(tookMs < 20_000, "took over in " + tookMs + " ms, not after the killed owner's transaction timed out");
        assertFenced(() -> killed.commitTransaction());
        List<String> outputs = readCommitted(output).stream().map(r -> text(r.value())).sorted().toList();
        assertEquals(expectedOutputs(2, 10), outputs, "each input once; nothing of the aborted transaction");
        assertEquals(Map.of(p0, 10L, new TopicPartition(input, 1), 10L), committedOffsets());
    }

    @Test
    void aZombieOwnerOfAPartitionCommitsNothingOnceTheNewOwnerHasIt() throws Exception {
        createTopics(1);
        sendInputs(1, 10);
        TopicPartition p0 = new TopicPartition(input, 0);
        ListenerHealth zombieHealth = new ListenerHealth();
        TransactionalBatchRunner zombie = runner(zombieHealth);
        TransactionalBatchRunner owner = runner(new ListenerHealth());
        // Both believe they own partition 0 (a zombie has not yet noticed the rebalance); each polled its records.
        KafkaConsumer<byte[], byte[]> zombieConsumer = consumer();
        KafkaConsumer<byte[], byte[]> ownerConsumer = consumer();
        zombieConsumer.assign(List.of(p0));
        ownerConsumer.assign(List.of(p0));
        zombie.assigned("l", zombieConsumer, List.of(p0));
        ConsumerRecords<byte[], byte[]> zombieBatch = pollAll(zombieConsumer, 10);
        owner.assigned("l", ownerConsumer, List.of(p0)); // fences the zombie's producer
        ConsumerRecords<byte[], byte[]> ownerBatch = pollAll(ownerConsumer, 10);

        zombie.run("l", zombieConsumer, zombieBatch, TransactionalBatchRunnerIntegrationTest::echo);
        owner.run("l", ownerConsumer, ownerBatch, TransactionalBatchRunnerIntegrationTest::echo);

        // How the fenced zombie fails varies (fenced at the send; or, if the client's fatal error races its
        // AddOffsetsToTxn, a timeout after max.block.ms), what it commits does not.
        assertTrue(zombieHealth.problems(Duration.ZERO).containsKey("l"), "the zombie's batch failed");
        assertEquals(Set.of(), zombie.producing("l"), "the fenced producer is closed");
        assertEquals(expectedOutputs(1, 10), readCommitted(output).stream().map(r -> text(r.value())).sorted().toList(),
            "the owner's outputs, once");
        assertEquals(Map.of(p0, 10L), committedOffsets());
    }

    private static List<ProducerRecord<byte[], byte[]>> echo(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new ProducerRecord<>(r.topic().replace("runner-in-", "runner-out-"),
            r.partition(), r.key(), r.value())).toList();
    }

    private static List<String> expectedOutputs(int partitions, int perPartition) {
        return IntStream.range(0, partitions).boxed()
            .flatMap(p -> IntStream.range(0, perPartition).mapToObj(i -> "in-" + p + "-" + i)).sorted().toList();
    }

    private static void assertFenced(org.junit.jupiter.api.function.Executable zombieCall) {
        KafkaException error = assertThrows(KafkaException.class, zombieCall);
        assertTrue(error instanceof ProducerFencedException || error instanceof InvalidProducerEpochException
            || error.getCause() instanceof ProducerFencedException, error.toString());
    }

    private TransactionalBatchRunner runner(ListenerHealth health) {
        return new TransactionalBatchRunner((listener, clientId, transactionalId) -> producer(transactionalId, 30_000),
            new ListenerProperties(PREFIX, Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(60)), health,
            null);
    }

    private Producer<byte[], byte[]> producer(String transactionalId, int transactionTimeoutMs) {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, transactionTimeoutMs,
            ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000),
            new ByteArraySerializer(), new ByteArraySerializer());
        clients.add(() -> producer.close(Duration.ZERO));
        return producer;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG, group,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        clients.add(() -> consumer.close(Duration.ZERO));
        return consumer;
    }

    private static ConsumerRecords<byte[], byte[]> pollAll(KafkaConsumer<byte[], byte[]> consumer, int count) {
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int polled = 0;
        while (polled < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                records.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), p -> new ArrayList<>()).add(record);
                polled++;
            }
        }
        assertEquals(count, polled, "records polled");
        return new ConsumerRecords<>(records);
    }

    /** Everything {@code read_committed} readers see of {@code topic}: up to its last stable offsets. */
    private List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
            new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = reader.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = reader.endOffsets(partitions); // the last stable offsets, read_committed
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(p -> reader.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                reader.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        return read;
    }

    private Map<TopicPartition, Long> committedOffsets() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }

    private void createTopics(int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(input, partitions, (short) 1), new NewTopic(output, partitions, (short) 1)))
                .all().get(60, TimeUnit.SECONDS);
        }
    }

    private void sendInputs(int partitions, int perPartition) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int p = 0; p < partitions; p++) {
                for (int i = 0; i < perPartition; i++) {
                    producer.send(new ProducerRecord<>(input, p, bytes("k"), bytes("in-" + p + "-" + i))).get();
                }
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
