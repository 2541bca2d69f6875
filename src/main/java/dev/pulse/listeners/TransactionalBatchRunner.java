package dev.pulse.listeners;

import dev.pulse.deadletters.DeadLetter;

import dev.pulse.metrics.PulseMetrics;

import io.micronaut.configuration.kafka.TransactionalProducerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;

/**
 * Consume-process-produce in one Kafka transaction per polled batch, for batch {@code @KafkaListener}s that run
 * with {@code OffsetStrategy.DISABLED}: the outputs of the batch (results and dead letters alike) and the batch's
 * next offsets are committed together, so a {@code read_committed} reader sees each input's output exactly once
 * whatever crashes in between.
 *
 * <p>Any exception from the processor or from Kafka is transient by definition here (the processor turns bad
 * records into dead letters itself): the transaction is aborted, the consumer is moved back to the group's
 * committed offsets (the start of the batch, unless an unclear failure hid a commit that went through), and the
 * listener waits with exponential back-off before the same records come again. Nothing is skipped
 * and nothing goes to the dead-letter queue for it; a listener stuck so for long shows in health.
 *
 * <p>Why not micronaut-kafka's {@code OffsetStrategy.SEND_TO_TRANSACTION}: in 5.9 it opens one transaction per
 * returned value but commits the offsets of the whole poll in the first one (so a crash after it loses the rest of
 * the poll's outputs), commits no offsets for records that return nothing, sends to a single topic set (no dead
 * letters in the same transaction), and on a send error logs and moves on.
 */
@Singleton
public class TransactionalBatchRunner {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalBatchRunner.class);

    /** Processes one batch; returns every record to publish for it, in order. Throws only for transient failures. */
    @FunctionalInterface
    public interface BatchProcessor {
        List<ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> records) throws Exception;
    }

    private final TransactionalProducerRegistry producers;
    private final ListenerProperties properties;
    private final ListenerHealth health;
    private final Map<String, Producer<byte[], byte[]>> active = new ConcurrentHashMap<>();
    private final Map<String, Duration> backoff = new ConcurrentHashMap<>();

    private final MeterRegistry meters;
    private final PulseMetrics metrics;

    /**
     * @param meters where {@code pulse_listener_*} metrics go (records, outputs, dead letters, retries, batch time)
     */
    public TransactionalBatchRunner(TransactionalProducerRegistry producers, ListenerProperties properties,
                                    ListenerHealth health, @Nullable MeterRegistry meters) {
        this.producers = producers;
        this.properties = properties;
        this.health = health;
        this.meters = meters != null ? meters : new SimpleMeterRegistry();
        this.metrics = new PulseMetrics(this.meters);
    }

    /**
     * Runs one polled batch for {@code listener}, which names its transactional producer (client id
     * {@code listener}, configured under {@code kafka.producers.<listener>}, transactional id
     * {@code <listener>-<instance id>}). A listener runs one consumer thread; scale out with instances. Returns
     * normally whether the batch was committed or is to be redelivered.
     */
    public void run(String listener, Consumer<?, ?> consumer, ConsumerRecords<byte[], byte[]> records,
                    BatchProcessor processor) {
        if (records.isEmpty()) {
            return;
        }
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(records.count());
        records.forEach(batch::add);
        String producerKey = listener;
        Producer<byte[], byte[]> producer = null;
        Stage stage = Stage.PROCESSING;
        health.processing(listener);
        long started = System.nanoTime();
        try {
            List<ProducerRecord<byte[], byte[]>> outputs = processor.process(batch);
            producer = producer(producerKey);
            producer.beginTransaction();
            stage = Stage.IN_TRANSACTION;
            List<Future<?>> sends = new ArrayList<>(outputs.size());
            for (ProducerRecord<byte[], byte[]> output : outputs) {
                sends.add(producer.send(output));
            }
            producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
            stage = Stage.COMMITTING;
            commit(producer);
            stage = Stage.DONE;
            for (Future<?> send : sends) {
                send.get(); // already complete: surfaces a send error commitTransaction did not
            }
            backoff.remove(producerKey);
            health.succeeded(listener, batch.size());
            count("pulse.listener.records", listener, batch.size());
            long deadLetters = outputs.stream().filter(o -> o.headers().lastHeader(DeadLetter.HEADER_ERROR) != null).count();
            count("pulse.listener.dead.letters", listener, deadLetters);
            count("pulse.listener.outputs", listener, outputs.size() - deadLetters);
            Timer.builder("pulse.listener.batch").tag("listener", listener).register(meters)
                .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            recordCommitted(listener, batch, outputs);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            recover(listener, producerKey, consumer, records, producer, stage, e);
        }
    }

    private enum Stage { PROCESSING, IN_TRANSACTION, COMMITTING, DONE }

    private static final java.util.regex.Pattern RULE = java.util.regex.Pattern.compile("\"rule\":\"([A-Z_]+)\"");
    private static final java.util.regex.Pattern STATE = java.util.regex.Pattern.compile("\"state\":\"([A-Z]+)\"");

    /** Pulse's metrics of a committed batch: inputs per topic, latency, dead letters per source, alerts. */
    private void recordCommitted(String listener, List<ConsumerRecord<byte[], byte[]>> batch,
                                 List<ProducerRecord<byte[], byte[]>> outputs) {
        long now = System.currentTimeMillis();
        java.util.Map<String, Long> perTopic = new java.util.HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            perTopic.merge(record.topic(), 1L, Long::sum);
            metrics.latency(listener, now - record.timestamp());
        }
        perTopic.forEach(metrics::processed);
        for (ProducerRecord<byte[], byte[]> output : outputs) {
            var source = output.headers().lastHeader(DeadLetter.HEADER_SOURCE_TOPIC);
            if (source != null) {
                metrics.deadLetter(new String(source.value(), java.nio.charset.StandardCharsets.UTF_8),
                    dev.pulse.deadletters.DeadLetterReason.of(output.headers()).label());
                continue;
            }
            String value = output.value() == null ? "" : new String(output.value(), java.nio.charset.StandardCharsets.UTF_8);
            java.util.regex.Matcher rule = RULE.matcher(value);
            java.util.regex.Matcher state = STATE.matcher(value);
            if (value.contains("\"card_id\"") && rule.find()) {
                metrics.alert("fraud", rule.group(1));
            } else if (value.contains("\"alert_id\"") && state.find()) {
                metrics.alert("temperature", state.group(1));
            }
        }
    }

    /** A commit that timed out may still complete: Kafka allows only retrying it (or closing the producer). */
    private static void commit(Producer<byte[], byte[]> producer) {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.commitTransaction(); // flushes; throws if any send failed
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (attempt == COMMIT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static final int COMMIT_ATTEMPTS = 3;

    private void recover(String listener, String producerKey, Consumer<?, ?> consumer,
                         ConsumerRecords<byte[], byte[]> records, Producer<byte[], byte[]> producer,
                         Stage stage, Exception error) {
        health.failed(listener, error);
        count("pulse.listener.retries", listener, 1);
        if (stage == Stage.IN_TRANSACTION || stage == Stage.COMMITTING && !isTimeout(error)) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException abortFailed) {
                error.addSuppressed(abortFailed);
                discard(producerKey);
            }
        } else if (stage == Stage.COMMITTING) {
            discard(producerKey); // the commit's outcome is unknown; the producer can do nothing else
        }
        if (producer != null && isFatalForProducer(error)) { // failed in Kafka, not in the processor
            discard(producerKey);
        }
        rewind(listener, consumer, records);
        Duration delay = backoff.merge(producerKey, properties.retryInitial(),
            (previous, initial) -> min(previous.multipliedBy(2), properties.retryMax()));
        LOG.warn("Listener {}: batch of {} records not committed, retrying in {} ms: {}", listener, records.count(),
            delay.toMillis(), error.toString(), LOG.isDebugEnabled() ? error : null);
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Moves the consumer back to the group's committed offsets, which say whether the batch's transaction went
     * through (its next offsets) or not (its first ones), even when the failure left that unclear. If the
     * committed offsets cannot be read, back to the start of the batch: a record read twice is better than one lost.
     */
    private static void rewind(String listener, Consumer<?, ?> consumer, ConsumerRecords<byte[], byte[]> records) {
        Set<TopicPartition> owned = new HashSet<>(records.partitions());
        owned.retainAll(consumer.assignment());
        Map<TopicPartition, OffsetAndMetadata> committed = Map.of();
        try {
            committed = consumer.committed(owned, COMMITTED_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warn("Listener {}: committed offsets unreadable ({}), rewinding to the start of the batch", listener,
                e.toString());
        }
        for (TopicPartition partition : owned) {
            OffsetAndMetadata offset = committed == null ? null : committed.get(partition);
            consumer.seek(partition, offset != null ? offset.offset() : records.records(partition).get(0).offset());
        }
    }

    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(10);

    private static boolean isTimeout(Throwable error) {
        return error instanceof org.apache.kafka.common.errors.TimeoutException
            || error instanceof org.apache.kafka.common.errors.InterruptException;
    }

    /**
     * Creates {@code listener}'s transactional producer now, if it has none: its {@code initTransactions} aborts a
     * transaction that a killed predecessor with the same transactional id left open. Called when partitions are
     * assigned, because until that transaction ends the group's committed offsets stay pending and the consumer
     * cannot start; waiting for the first batch to create the producer would wait out {@code transaction.timeout.ms}.
     * A failure here is only logged: the first batch tries again.
     */
    public void prepare(String listener) {
        try {
            producer(listener);
        } catch (RuntimeException e) {
            LOG.warn("Listener {}: transactional producer not ready yet ({}); the first batch tries again", listener,
                e.toString());
        }
    }

    private Producer<byte[], byte[]> producer(String listener) {
        return active.computeIfAbsent(listener, key -> producers.getTransactionalProducer(
            listener, listener + "-" + properties.instanceId(), Argument.of(byte[].class), Argument.of(byte[].class)));
    }

    private void discard(String producerKey) {
        Producer<byte[], byte[]> producer = active.remove(producerKey);
        if (producer != null) {
            try {
                producers.close(producer); // forgets it; closing is ours
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing a failed producer", e);
            }
        }
    }

    private static boolean isFatalForProducer(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException
                || t instanceof OutOfOrderSequenceException || t instanceof AuthorizationException
                || t instanceof UnsupportedVersionException || t instanceof IllegalStateException) {
                return true;
            }
        }
        return false;
    }

    static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<?, ?> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<? extends ConsumerRecord<?, ?>> inPartition = records.records(partition);
            offsets.put(partition, new OffsetAndMetadata(inPartition.get(inPartition.size() - 1).offset() + 1));
        }
        return offsets;
    }

    private void count(String name, String listener, long amount) {
        if (amount > 0) {
            Counter.builder(name).tag("listener", listener).register(meters).increment(amount);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
