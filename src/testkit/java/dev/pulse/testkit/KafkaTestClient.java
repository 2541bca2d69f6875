package dev.pulse.testkit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Plain Kafka clients for tests: produce raw records and read a topic from the beginning, as a
 * {@code read_committed} client outside Pulse would.
 */
public final class KafkaTestClient implements AutoCloseable {

    private final String bootstrapServers;
    private final KafkaProducer<byte[], byte[]> producer;

    public KafkaTestClient(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.LINGER_MS_CONFIG, 0,
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024),
            new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The shared test broker's client. */
    public static KafkaTestClient forTestBroker() {
        return new KafkaTestClient(TestServers.kafkaBootstrapServers());
    }

    public void send(String topic, String key, String value) {
        send(topic, bytes(key), bytes(value), null);
    }

    /** Sends and waits for the broker's acknowledgement; {@code timestampMs} null means now. Returns where it went. */
    public RecordMetadata send(String topic, byte[] key, byte[] value, Long timestampMs) {
        try {
            return producer.send(new ProducerRecord<>(topic, null, timestampMs, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not send to " + topic, e);
        }
    }

    /**
     * Reads {@code topic} from the beginning until {@code done} holds for what was read, or the
     * timeout passes; returns everything read either way (the caller asserts on it).
     */
    public List<Received> readUntil(String topic, Predicate<List<Received>> done, Duration timeout) {
        List<Received> received = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
            new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                consumer.partitionsFor(topic, Duration.ofSeconds(5))
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!done.test(received) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    received.add(new Received(record));
                }
            }
        }
        return received;
    }

    /** Reads until at least {@code count} records have arrived (or the timeout passes). */
    public List<Received> read(String topic, int count, Duration timeout) {
        return readUntil(topic, r -> r.size() >= count, timeout);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /** One record as read: key and value as UTF-8 text, raw value bytes, headers. */
    public record Received(String topic, int partition, long offset, String key, String value, byte[] rawValue,
                           long timestamp, Map<String, String> headers) {

        Received(ConsumerRecord<byte[], byte[]> record) {
            this(record.topic(), record.partition(), record.offset(),
                record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8),
                record.value(), record.timestamp(), headersOf(record));
        }

        private static Map<String, String> headersOf(ConsumerRecord<byte[], byte[]> record) {
            Map<String, String> headers = new java.util.LinkedHashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
            }
            return headers;
        }
    }
}
