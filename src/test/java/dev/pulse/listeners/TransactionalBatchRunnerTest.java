package dev.pulse.listeners;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner's transactions with Kafka's mock clients; {@link TransactionalBatchRunnerIntegrationTest} uses a broker. */
class TransactionalBatchRunnerTest {

    private static final TopicPartition P0 = new TopicPartition("in", 0);
    private static final TopicPartition P1 = new TopicPartition("in", 1);
    /** The group {@link MockConsumer#groupMetadata()} reports. */
    private static final String GROUP = "dummy.group.id";

    /** Every producer made, by transactional id, latest last; and their client ids. */
    private final Map<String, List<MockProducer<byte[], byte[]>>> created = new LinkedHashMap<>();
    private final Map<String, String> clientIds = new HashMap<>();
    private final ListenerHealth health = new ListenerHealth();
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private final TransactionalBatchRunner runner = runner();

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    private ConsumerRecords<byte[], byte[]> batch;

    private TransactionalBatchRunner runner() {
        return new TransactionalBatchRunner((listener, clientId, transactionalId) -> {
            MockProducer<byte[], byte[]> producer = new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
            created.computeIfAbsent(transactionalId, id -> new ArrayList<>()).add(producer);
            clientIds.put(transactionalId, clientId);
            return producer;
        }, new ListenerProperties("pulse", Duration.ofMillis(1), Duration.ofMillis(4), Duration.ofSeconds(60)), health, meters);
    }

    @BeforeEach
    void poll() {
        consumer.assign(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 10L, P1, 20L));
        consumer.addRecord(new ConsumerRecord<>("in", 0, 10, null, "a".getBytes()));
        consumer.addRecord(new ConsumerRecord<>("in", 0, 11, null, "b".getBytes()));
        consumer.addRecord(new ConsumerRecord<>("in", 1, 20, null, "c".getBytes()));
        batch = consumer.poll(Duration.ZERO);
        assertEquals(3, batch.count());
    }

    private static List<ProducerRecord<byte[], byte[]>> echo(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new ProducerRecord<>("out", r.key(), r.value())).toList();
    }

    /** The latest producer of {@code partition}. */
    private MockProducer<byte[], byte[]> producerOf(TopicPartition partition) {
        List<MockProducer<byte[], byte[]>> made = created.get(TransactionalBatchRunner.transactionalId("pulse", GROUP, partition));
        return made.get(made.size() - 1);
    }

    private static List<String> values(MockProducer<byte[], byte[]> producer) {
        return producer.history().stream().map(r -> new String(r.value())).toList();
    }

    @Test
    void transactionalIdsNameTheGroupAndThePartitionOnly() {
        assertEquals("pulse-pulse-transform-input-topic-2",
            TransactionalBatchRunner.transactionalId("pulse", "pulse-transform", new TopicPartition("input-topic", 2)));

        runner.assigned("l", consumer, List.of(P0, P1));
        runner().assigned("l", consumer, List.of(P0)); // another instance, taking P0 over

        assertEquals(Set.of("pulse-" + GROUP + "-in-0", "pulse-" + GROUP + "-in-1"), created.keySet());
        assertEquals(2, created.get("pulse-" + GROUP + "-in-0").size(), "the same id on both instances");
        assertEquals("l-in-0", clientIds.get("pulse-" + GROUP + "-in-0"));
    }

    @Test
    void aProducerIsInitialisedWhenItsPartitionIsAssignedAndClosedWhenItIsRevoked() {
        runner.assigned("l", consumer, List.of(P0, P1));
        assertTrue(producerOf(P0).transactionInitialized(), "initialised at once: that fences the previous owner");
        assertTrue(producerOf(P1).transactionInitialized());
        assertEquals(Set.of(P0, P1), runner.producing("l"));

        runner.revoked("l", List.of(P1));
        assertTrue(producerOf(P1).closed());
        assertFalse(producerOf(P0).closed());
        assertEquals(Set.of(P0), runner.producing("l"));

        runner.assigned("l", consumer, List.of(P1));
        assertEquals(2, created.get(TransactionalBatchRunner.transactionalId("pulse", GROUP, P1)).size());
        assertEquals(Set.of(P0, P1), runner.producing("l"));
    }

    @Test
    void commitsEachPartitionsOutputsAndNextOffsetInATransactionOfItsOwn() {
        runner.assigned("l", consumer, List.of(P0, P1));
        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);

        assertTrue(producerOf(P0).transactionCommitted());
        assertEquals(List.of("a", "b"), values(producerOf(P0)));
        assertEquals(List.of(Map.of(GROUP, Map.of(P0, new OffsetAndMetadata(12)))), producerOf(P0).consumerGroupOffsetsHistory());
        assertTrue(producerOf(P1).transactionCommitted());
        assertEquals(List.of("c"), values(producerOf(P1)));
        assertEquals(List.of(Map.of(GROUP, Map.of(P1, new OffsetAndMetadata(21)))), producerOf(P1).consumerGroupOffsetsHistory());
        assertNull(health.problems(Duration.ZERO).get("l"));
        assertEquals(3.0, meters.get("pulse.listener.records").tag("listener", "l").counter().count());
        assertEquals(3.0, meters.get("pulse.listener.outputs").tag("listener", "l").counter().count());
        assertEquals(1, meters.get("pulse.listener.batch").tag("listener", "l").timer().count());
    }

    @Test
    void aPartitionWithoutAProducerGetsOneForItsFirstBatch() {
        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo); // no assignment callback ran

        assertTrue(producerOf(P0).transactionCommitted());
        assertTrue(producerOf(P1).transactionCommitted());
    }

    @Test
    void aTransientFailureCommitsNothingAndRewindsToTheStartOfTheBatch() {
        runner.run("l", consumer, batch, records -> {
            throw new IllegalStateException("Redis is away");
        });

        assertTrue(created.values().stream().flatMap(List::stream).allMatch(p -> p.history().isEmpty()), "nothing sent");
        assertEquals(10, consumer.position(P0));
        assertEquals(20, consumer.position(P1));
        assertTrue(health.problems(Duration.ZERO).get("l").contains("Redis is away"));

        assertEquals(1.0, meters.get("pulse.listener.retries").tag("listener", "l").counter().count());
        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo); // redelivered
        assertTrue(producerOf(P0).transactionCommitted());
        assertTrue(producerOf(P1).transactionCommitted());
        assertNull(health.problems(Duration.ZERO).get("l"), "healthy again");
    }

    @Test
    void aFailureInOnePartitionLeavesTheOnesCommittedBeforeItCommitted() {
        List<TopicPartition> order = new ArrayList<>(batch.partitions());
        TopicPartition first = order.get(0);
        TopicPartition failing = order.get(1);
        runner.run("l", consumer, batch, records -> {
            if (records.get(0).partition() == failing.partition()) {
                throw new IllegalStateException("Redis is away");
            }
            return echo(records);
        });

        assertTrue(producerOf(first).transactionCommitted());
        assertEquals(first.equals(P0) ? 12 : 21, consumer.position(first), "not read again");
        assertEquals(failing.equals(P0) ? 10 : 20, consumer.position(failing), "read again");
        assertTrue(health.problems(Duration.ZERO).get("l").contains("Redis is away"));
        assertEquals(first.equals(P0) ? 2.0 : 1.0, meters.get("pulse.listener.records").tag("listener", "l").counter().count());
    }

    @Test
    void aFailedCommitAbortsAndRewinds() {
        runner.assigned("l", consumer, List.of(P0, P1));
        producerOf(P0).commitTransactionException = new KafkaException("broker away");
        producerOf(P1).commitTransactionException = new KafkaException("broker away");

        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);

        List<TopicPartition> order = new ArrayList<>(batch.partitions());
        assertTrue(producerOf(order.get(0)).transactionAborted());
        assertEquals(10, consumer.position(P0));
        assertEquals(20, consumer.position(P1));
        assertEquals(2, created.size(), "a transient error keeps the producer");
        assertTrue(created.values().stream().allMatch(made -> made.size() == 1));
    }

    @Test
    void aCommitWithAnUnknownOutcomeRewindsToWhatTheGroupCommitted() {
        runner.assigned("l", consumer, List.of(P0, P1));
        TopicPartition first = new ArrayList<>(batch.partitions()).get(0);
        MockProducer<byte[], byte[]> producer = producerOf(first);
        // The commit times out every time, but the broker did commit: the group's offsets say so.
        producer.commitTransactionException = new org.apache.kafka.common.errors.TimeoutException("no answer");
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(12), P1, new OffsetAndMetadata(21)));

        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);

        assertFalse(producer.transactionAborted(), "a commit in doubt cannot be aborted");
        assertTrue(producer.closed(), "only closing is left");
        assertEquals(Set.of(first.equals(P0) ? P1 : P0), runner.producing("l"));
        assertEquals(12, consumer.position(P0), "not read again: its outputs are committed");
        assertEquals(21, consumer.position(P1));
    }

    @Test
    void aFencedProducerIsReplacedWithOneOfTheSameId() {
        runner.assigned("l", consumer, List.of(P0, P1));
        MockProducer<byte[], byte[]> fenced = producerOf(P0);
        fenced.commitTransactionException = new ProducerFencedException("another instance took over");

        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);
        assertTrue(fenced.closed());
        assertFalse(runner.producing("l").contains(P0));

        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);
        assertEquals(2, created.get(TransactionalBatchRunner.transactionalId("pulse", GROUP, P0)).size());
        assertTrue(producerOf(P0).transactionCommitted());
    }

    @Test
    void anEmptyPollDoesNothing() {
        runner.run("l", consumer, ConsumerRecords.empty(), records -> {
            throw new AssertionError("not called");
        });
        assertTrue(created.isEmpty());
        assertFalse(health.problems(Duration.ZERO).containsKey("l"));
    }

    @Test
    void healthIsDownWhenThePollThreadHasStopped() throws InterruptedException {
        Thread thread = new Thread(() -> health.polling("gone"));
        thread.start();
        thread.join();
        assertTrue(health.deadThreads().get("gone").contains("has stopped"));
        assertTrue(health.problems(Duration.ofMinutes(1)).get("gone").contains("has stopped"));
        Map<String, String> expected = new HashMap<>();
        expected.put("gone", health.problems(Duration.ofMinutes(1)).get("gone"));
        assertEquals(expected, health.problems(Duration.ofMinutes(1)));
    }
}
