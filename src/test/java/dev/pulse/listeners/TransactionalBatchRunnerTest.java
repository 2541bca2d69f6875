package dev.pulse.listeners;

import io.micronaut.configuration.kafka.TransactionalProducerRegistry;
import io.micronaut.core.type.Argument;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransactionalBatchRunnerTest {

    private static final TopicPartition P0 = new TopicPartition("in", 0);
    private static final TopicPartition P1 = new TopicPartition("in", 1);

    private final List<MockProducer<byte[], byte[]>> created = new ArrayList<>();
    private final List<String> transactionalIds = new ArrayList<>();
    private final List<Producer<?, ?>> forgotten = new ArrayList<>();
    private final ListenerHealth health = new ListenerHealth();
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private final TransactionalBatchRunner runner = new TransactionalBatchRunner(new TransactionalProducerRegistry() {
        @Override
        @SuppressWarnings("unchecked")
        public <K, V> Producer<K, V> getTransactionalProducer(String clientId, String transactionalId, Argument<K> k, Argument<V> v) {
            MockProducer<byte[], byte[]> producer = new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
            producer.initTransactions();
            created.add(producer);
            transactionalIds.add(transactionalId);
            return (Producer<K, V>) producer;
        }

        @Override
        public void close(Producer<?, ?> producer) {
            forgotten.add(producer);
        }
    }, new ListenerProperties("i-1", Duration.ofMillis(1), Duration.ofMillis(4), Duration.ofSeconds(60)), health, meters);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    private ConsumerRecords<byte[], byte[]> batch;

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

    @Test
    void commitsTheOutputsAndTheNextOffsetsInOneTransaction() {
        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);

        MockProducer<byte[], byte[]> producer = created.get(0);
        assertEquals("l-i-1", transactionalIds.get(0));
        assertTrue(producer.transactionCommitted());
        assertEquals(3, producer.history().size());
        Map<TopicPartition, OffsetAndMetadata> offsets = producer.consumerGroupOffsetsHistory().get(0).values().iterator().next();
        assertEquals(Map.of(P0, new OffsetAndMetadata(12), P1, new OffsetAndMetadata(21)), offsets);
        assertNull(health.problems(Duration.ZERO).get("l"));
        assertEquals(3.0, meters.get("pulse.listener.records").tag("listener", "l").counter().count());
        assertEquals(3.0, meters.get("pulse.listener.outputs").tag("listener", "l").counter().count());
    }

    @Test
    void aTransientFailureCommitsNothingAndRewindsToTheStartOfTheBatch() {
        runner.run("l", consumer, batch, records -> {
            throw new IllegalStateException("Redis is away");
        });

        assertTrue(created.isEmpty() || created.get(0).history().isEmpty(), "nothing sent");
        assertEquals(10, consumer.position(P0));
        assertEquals(20, consumer.position(P1));
        assertTrue(health.problems(Duration.ZERO).get("l").contains("Redis is away"));

        assertEquals(1.0, meters.get("pulse.listener.retries").tag("listener", "l").counter().count());
        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo); // redelivered
        assertTrue(created.get(0).transactionCommitted());
        assertNull(health.problems(Duration.ZERO).get("l"), "healthy again");
    }

    @Test
    void aFailedCommitAbortsAndRewinds() {
        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo); // creates the producer
        consumer.seek(P0, 12);
        MockProducer<byte[], byte[]> producer = created.get(0);
        producer.commitTransactionException = new KafkaException("broker away");

        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);

        assertTrue(producer.transactionAborted());
        assertEquals(10, consumer.position(P0));
        assertEquals(1, created.size(), "a transient error keeps the producer");
    }

    @Test
    void aCommitWithAnUnknownOutcomeRewindsToWhatTheGroupCommitted() {
        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);
        MockProducer<byte[], byte[]> producer = created.get(0);
        // The commit times out every time, but the broker did commit: the group's offsets say so.
        producer.commitTransactionException = new org.apache.kafka.common.errors.TimeoutException("no answer");
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(12), P1, new OffsetAndMetadata(21)));

        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);

        assertFalse(producer.transactionAborted(), "a commit in doubt cannot be aborted");
        assertTrue(producer.closed(), "only closing is left");
        assertEquals(12, consumer.position(P0), "not read again: its outputs are committed");
        assertEquals(21, consumer.position(P1));
    }

    @Test
    void aFencedProducerIsReplaced() {
        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);
        MockProducer<byte[], byte[]> first = created.get(0);
        first.commitTransactionException = new ProducerFencedException("another instance took over");

        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);
        assertEquals(List.of(first), forgotten);
        assertTrue(first.closed());

        runner.run("l", consumer, batch, TransactionalBatchRunnerTest::echo);
        assertEquals(2, created.size());
        assertTrue(created.get(1).transactionCommitted());
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
