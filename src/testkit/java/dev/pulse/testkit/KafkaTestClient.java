package dev.pulse.testkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * Plain Kafka clients for tests, as a client outside Pulse sees the broker: produce raw records, create topics, read a
 * topic {@code read_committed} from the beginning until what arrived is enough ({@link #awaitRecords}) or up to its
 * end offsets ({@link #readToEnd}), and wait until a consumer group has committed a topic to its end
 * ({@link #awaitConsumed}).
 *
 * <p>Proving that nothing more comes, without waiting on the clock: once a Pulse listener's group has committed its
 * input to the end, every output of that input is committed too (outputs and offsets commit in one transaction), so
 * reading the output to its end offsets sees all there will ever be:
 * <pre>{@code
 * kafka.awaitRecords(alerts, 4, WAIT);
 * kafka.awaitConsumed(topics.group("sensor"), sensors, WAIT);
 * kafka.assertNoMoreRecords(alerts, r -> device.equals(r.key()), 4);
 * }</pre>
 */
public final class KafkaTestClient implements AutoCloseable {

    private static final Duration TOPIC_WAIT = Duration.ofSeconds(60);

    private final String bootstrapServers;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;

    public KafkaTestClient(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.LINGER_MS_CONFIG, 0,
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024),
            new ByteArraySerializer(), new ByteArraySerializer());
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
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

    /** Creates the topics with {@code partitions} partitions each and waits until their leaders serve them. */
    public void createTopics(Collection<String> names, int partitions) throws Exception {
        TestTopics.create(admin, names, partitions, Set.of());
    }

    /**
     * Reads {@code topic} from the beginning until {@code done} holds for what was read, or the timeout passes;
     * returns everything read either way (the caller asserts on it).
     */
    public List<Received> readUntil(String topic, Predicate<List<Received>> done, Duration timeout) {
        List<Received> received = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumerFromStart(topic)) {
            await("records on " + topic).atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        received.add(new Received(record));
                    }
                    return done.test(received);
                });
        } catch (ConditionTimeoutException notAll) {
            // what was read is returned
        }
        return received;
    }

    /** Reads until at least {@code count} records have arrived (or the timeout passes). */
    public List<Received> read(String topic, int count, Duration timeout) {
        return readUntil(topic, r -> r.size() >= count, timeout);
    }

    /**
     * Reads {@code topic} from the beginning until {@code done} holds for what was read.
     *
     * @return everything read
     * @throws AssertionError when it does not hold within {@code timeout}
     */
    public List<Received> awaitRecords(String topic, Predicate<List<Received>> done, Duration timeout) {
        List<Received> received = readUntil(topic, done, timeout);
        if (!done.test(received)) {
            throw new AssertionError("the records awaited on " + topic + " did not arrive within " + timeout + "; "
                + received.size() + " read" + (received.isEmpty() ? "" : ", the last " + received.get(received.size() - 1)));
        }
        return received;
    }

    /** Reads {@code topic} from the beginning until at least {@code count} records have arrived; fails if they do not. */
    public List<Received> awaitRecords(String topic, int count, Duration timeout) {
        return awaitRecords(topic, r -> r.size() >= count, timeout);
    }

    /**
     * The last stable offset of each partition of {@code topic}: how far a {@code read_committed} reader can read now.
     * It stops at the first record of a transaction still open.
     */
    public Map<Integer, Long> lastStableOffsets(String topic) {
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<Integer, Long> stable = new TreeMap<>();
            admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                    org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS)
                .forEach((partition, offset) -> stable.put(partition.partition(), offset.offset()));
            return stable;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the last stable offsets of " + topic, e);
        }
    }

    /**
     * A {@code read_committed} reader of {@code partitions}, connected to their leaders now, that will tell when each
     * first gives a record at or past a later offset ({@link FirstRecords#from}). Opened ahead, so the time it reports
     * is not that of a new client finding the cluster.
     */
    public FirstRecords firstRecords(Collection<TopicPartition> partitions) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            consumer.assign(partitions);
            consumer.endOffsets(partitions, Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        return new FirstRecords(consumer);
    }

    /** See {@link #firstRecords}. */
    public static final class FirstRecords implements AutoCloseable {

        private final KafkaConsumer<byte[], byte[]> consumer;

        private FirstRecords(KafkaConsumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
        }

        /**
         * When each partition in {@code from} first gives a record at or past its offset there: the
         * {@link System#nanoTime()} of the poll that returned it, per partition, waiting up to {@code timeout} for all
         * of them (a partition that gives none by then is missing from the answer). Reads only from those offsets.
         */
        public Map<TopicPartition, Long> from(Map<TopicPartition, Long> from, Duration timeout) {
            Map<TopicPartition, Long> first = new HashMap<>();
            from.forEach(consumer::seek);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (first.size() < from.size() && System.nanoTime() < deadline) {
                var records = consumer.poll(Duration.ofMillis(50));
                long now = System.nanoTime();
                for (TopicPartition partition : records.partitions()) {
                    if (first.putIfAbsent(partition, now) == null) {
                        consumer.pause(List.of(partition));
                    }
                }
            }
            return first;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /**
     * Where each partition of {@code topic} stands, for a failure message: its leader, first offset, last stable
     * offset (what a {@code read_committed} reader can reach) and high watermark. A last stable offset behind the
     * high watermark names an open transaction; no leader, a broker that cannot serve the partition.
     */
    public String describeOffsets(String topic) {
        try {
            Map<TopicPartition, String> leaders = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
            admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                .forEach(p -> leaders.put(new TopicPartition(topic, p.partition()),
                    p.leader() == null ? "none" : Integer.toString(p.leader().id())));
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            leaders.keySet().forEach(p -> {
                earliest.put(p, OffsetSpec.earliest());
                latest.put(p, OffsetSpec.latest());
            });
            var first = admin.listOffsets(earliest).all().get(10, TimeUnit.SECONDS);
            var stable = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS);
            var high = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            StringBuilder text = new StringBuilder(topic).append(':');
            leaders.forEach((p, leader) -> text.append(' ').append(p.partition()).append("[leader ").append(leader)
                .append(", first ").append(first.get(p).offset()).append(", stable ").append(stable.get(p).offset())
                .append(", high ").append(high.get(p).offset()).append(']'));
            return text.toString();
        } catch (Exception e) {
            return topic + ": offsets unknown (" + e + ")";
        }
    }

    /**
     * Everything committed on {@code topic} now: reads from the beginning to the end offsets a {@code read_committed}
     * reader has (the last stable offset of each partition).
     */
    public List<Received> readToEnd(String topic) {
        List<Received> received = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumerFromStart(topic)) {
            Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
            await("the end offsets of " + topic + " " + ends).atMost(TOPIC_WAIT).pollInSameThread()
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        received.add(new Received(record));
                    }
                    return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                });
        }
        return received;
    }

    /**
     * Proves that no record beyond the {@code expected} ones came: reads {@code topic} to its end offsets
     * ({@link #readToEnd}) and fails unless exactly {@code expected} of its records match {@code which}. Once the
     * input's consumer group has committed to the end ({@link #awaitConsumed}), that is all there will be; await the
     * expected ones first ({@link #awaitRecords}), since a transaction's commit marker reaches the consumer offsets
     * and each output partition one after the other, so a committed offset can be seen before its outputs can.
     *
     * @return the matching records
     */
    public List<Received> assertNoMoreRecords(String topic, Predicate<Received> which, int expected) {
        List<Received> matching = readToEnd(topic).stream().filter(which).toList();
        if (matching.size() != expected) {
            throw new AssertionError(topic + " holds " + matching.size() + " such records where " + expected
                + " were expected: " + matching);
        }
        return matching;
    }

    /** As {@link #assertNoMoreRecords(String, Predicate, int)}, for every record of the topic. */
    public List<Received> assertNoMoreRecords(String topic, int expected) {
        return assertNoMoreRecords(topic, r -> true, expected);
    }

    /**
     * Waits until consumer group {@code group} has committed every partition of {@code topic} up to its end offset as
     * of now: everything sent so far is processed, and what a transactional consumer wrote for it is committed.
     */
    public void awaitConsumed(String group, String topic, Duration timeout) throws Exception {
        Map<TopicPartition, Long> ends = endOffsets(partitions(topic));
        awaitNothingBehind("group " + group + " on " + topic, timeout, () -> behind(committed(group), ends));
    }

    /**
     * Waits until every consumer group that has committed offsets on any of {@code topics} has committed every
     * partition of the ones it reads up to their end offsets as of now (for a broker whose groups are all the
     * application's).
     */
    public void awaitConsumedByEveryGroup(Collection<String> topics, Duration timeout) throws Exception {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            partitions.addAll(partitions(topic));
        }
        Map<TopicPartition, Long> ends = endOffsets(partitions);
        awaitNothingBehind("every group on " + topics, timeout, () -> {
            Map<String, String> behind = new TreeMap<>();
            for (var group : admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS)) {
                Map<TopicPartition, Long> committed = committed(group.groupId());
                Set<String> reads = committed.keySet().stream().filter(ends::containsKey).map(TopicPartition::topic)
                    .collect(Collectors.toSet());
                Map<TopicPartition, Long> itsEnds = new HashMap<>(ends);
                itsEnds.keySet().removeIf(partition -> !reads.contains(partition.topic()));
                behind(committed, itsEnds).forEach((partition, where) -> behind.put(group.groupId() + " " + partition, where));
            }
            return behind;
        });
    }

    /** The partitions whose committed offset is below its end: "committed/end" by partition. */
    private static Map<String, String> behind(Map<TopicPartition, Long> committed, Map<TopicPartition, Long> ends) {
        Map<String, String> behind = new TreeMap<>();
        ends.forEach((partition, end) -> {
            long at = committed.getOrDefault(partition, 0L);
            if (at < end) {
                behind.put(partition.toString(), at + "/" + end);
            }
        });
        return behind;
    }

    private interface Behind {
        Map<String, String> get() throws Exception;
    }

    private static void awaitNothingBehind(String what, Duration timeout, Behind behind) {
        AtomicReference<Map<String, String>> last = new AtomicReference<>(Map.of());
        try {
            await(what + " committed to the end").atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    last.set(behind.get());
                    return last.get().isEmpty();
                });
        } catch (ConditionTimeoutException late) {
            throw new AssertionError(what + " not committed to the end offsets within " + timeout
                + "; behind (committed/end): " + last.get());
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }

    /** The offsets group {@code group} has committed (stable ones: none of an open transaction), by partition. */
    public Map<TopicPartition, Long> committed(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group,
                new ListConsumerGroupOffsetsOptions().requireStable(true))
            .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Long> committed = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            if (offset != null) {
                committed.put(partition, offset.offset());
            }
        });
        return committed;
    }

    /** The log end offsets: where a consumer that has read everything stands, transaction markers included. */
    private Map<TopicPartition, Long> endOffsets(List<TopicPartition> partitions)
        throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(partition -> request.put(partition, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).forEach((p, info) -> ends.put(p, info.offset()));
        return ends;
    }

    private List<TopicPartition> partitions(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
            .stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** A read_committed consumer without a group, assigned every partition of {@code topic}, at their beginnings. */
    private KafkaConsumer<byte[], byte[]> consumerFromStart(String topic) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        try {
            await("topic " + topic).atMost(TOPIC_WAIT).pollInSameThread().pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    List<PartitionInfo> found = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                    found.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                    return !found.isEmpty();
                });
        } catch (RuntimeException e) { // a ConditionTimeoutException when the topic does not appear
            consumer.close();
            throw e;
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
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
            Map<String, String> headers = new LinkedHashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
            }
            return headers;
        }
    }
}
