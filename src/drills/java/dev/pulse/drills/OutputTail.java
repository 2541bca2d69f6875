package dev.pulse.drills;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads output topics from the beginning, as a {@code read_committed} client outside Pulse does, on a thread of its
 * own for the whole drill (through restarts of Pulse and of the broker), and keeps every record it saw.
 */
final class OutputTail implements AutoCloseable {

    /** One output record; the value as UTF-8 text (null for a tombstone). */
    record Out(String topic, int partition, long offset, String key, String value, int size, Map<String, String> headers) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, List<Out>> seen = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;
    private volatile EndRequest endRequest;

    /** A caller waiting until the reader is at the end offsets the topics had when it asked. */
    private static final class EndRequest {
        final CompletableFuture<Void> reached = new CompletableFuture<>();
        Map<TopicPartition, Long> ends;
    }

    OutputTail(String bootstrapServers, Collection<String> topics) {
        consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (String topic : topics) {
            seen.put(topic, new ArrayList<>());
            List<PartitionInfo> infos = List.of();
            while (infos.isEmpty() && System.nanoTime() < deadline) {
                infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            }
            if (infos.isEmpty()) {
                consumer.close();
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "drill-output-tail");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Map<String, String> headers = new LinkedHashMap<>();
                    for (Header header : record.headers()) {
                        headers.put(header.key(), header.value() == null ? null
                            : new String(header.value(), StandardCharsets.UTF_8));
                    }
                    Out out = new Out(record.topic(), record.partition(), record.offset(), text(record.key()),
                        text(record.value()), record.value() == null ? 0 : record.value().length, headers);
                    List<Out> list = seen.get(record.topic());
                    synchronized (list) {
                        list.add(out);
                    }
                }
                EndRequest request = endRequest;
                if (request != null) {
                    if (request.ends == null) {
                        request.ends = consumer.endOffsets(consumer.assignment()); // read_committed: last stable offsets
                    }
                    if (request.ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                        endRequest = null;
                        request.reached.complete(null);
                    }
                }
            }
        } catch (WakeupException stopping) {
            // closed
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Every record of {@code topic} read so far, in the order read. */
    List<Out> records(String topic) {
        if (failure != null) {
            throw new IllegalStateException("the output reader failed", failure);
        }
        List<Out> list = seen.get(topic);
        synchronized (list) {
            return new ArrayList<>(list);
        }
    }

    /**
     * Waits until the reader has read every topic to the end offsets they have now (for a {@code read_committed}
     * reader, the last stable offsets): then it has seen everything committed so far.
     */
    void awaitEnd(Duration timeout) throws InterruptedException, ExecutionException {
        EndRequest request = new EndRequest();
        endRequest = request;
        try {
            request.reached.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException late) {
            throw new AssertionError("the output reader did not reach the end offsets " + request.ends + " within "
                + timeout + (failure == null ? "" : "; it failed: " + failure));
        }
    }

    int count(String topic) {
        List<Out> list = seen.get(topic);
        synchronized (list) {
            return list.size();
        }
    }

    /** The latest value per key (records of one key share a partition, so read order is offset order). */
    Map<String, String> latest(String topic) {
        Map<String, String> latest = new HashMap<>();
        for (Out out : records(topic)) {
            latest.put(out.key(), out.value());
        }
        return latest;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
