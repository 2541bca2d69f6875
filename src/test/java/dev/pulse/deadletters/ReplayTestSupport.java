package dev.pulse.deadletters;

import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.RealServers;
import dev.pulse.testkit.TestServers;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.serde.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What the replay tests share: Pulse contexts on isolated topics, the HTTP calls, reading topics to their end. */
final class ReplayTestSupport {

    static final String API_KEY = "replay-test-key";
    static final JsonMapper JSON = ObjectMapper.getDefault();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ReplayTestSupport() {
    }

    /** A whole Pulse (listeners, Streams, HTTP on a free port) on {@code topics}, with {@code extra} settings. */
    static ApplicationContext startPulse(IsolatedTopics topics, String applicationId, Map<String, Object> extra)
        throws IOException {
        Map<String, Object> properties = new HashMap<>(RealServers.serverProperties());
        properties.putAll(topics.allTopicsProperties());
        properties.put("pulse.topics." + Topics.DEAD_LETTER_REPLAYS, topics.name(Topics.DEAD_LETTER_REPLAYS));
        properties.put("micronaut.server.port", freePort());
        properties.put("kafka.streams.default.application.id", applicationId);
        properties.put("kafka.streams.default.state.dir", Files.createTempDirectory("pulse-replay-it-").toString());
        properties.put("kafka.streams.default.commit.interval.ms", "200");
        // A restarted instance need not wait out the previous member of the group (Streams does not leave on close).
        properties.put("kafka.streams.default.session.timeout.ms", "6000");
        properties.put("pulse.api.key", API_KEY);
        properties.putAll(extra);
        ApplicationContext context = ApplicationContext.builder().environments("test").properties(properties).start();
        context.getBean(EmbeddedServer.class).start();
        return context;
    }

    static int port(ApplicationContext context) {
        return context.getBean(EmbeddedServer.class).getPort();
    }

    static HttpResponse<String> get(ApplicationContext context, String pathAndQuery) throws IOException {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(context) + pathAndQuery)).GET());
    }

    /** {@code POST /api/dead-letters/replay} with the API key. */
    static HttpResponse<String> replay(ApplicationContext context, Map<String, Object> body) throws IOException {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(context) + "/api/dead-letters/replay"))
            .header("Content-Type", "application/json")
            .header("X-API-Key", API_KEY)
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        try {
            return HTTP.send(request.timeout(Duration.ofMinutes(3)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(String json) throws IOException {
        return JSON.readValue(json, Map.class);
    }

    static long number(Map<String, Object> map, String field) {
        return ((Number) map.get(field)).longValue();
    }

    static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers()));
    }

    /** Every record of {@code topic}, {@code read_committed}, up to the end it has now; in partition and offset order. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024),
            new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            records.removeIf(r -> r.offset() >= ends.get(new TopicPartition(r.topic(), r.partition())));
            records.sort(java.util.Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
            return records;
        }
    }

    /** The end offsets ({@code read_committed}) of every partition of {@code topic}. */
    static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
            .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /**
     * What consumer group {@code group} has yet to process of {@code topics}: each partition whose committed offset is
     * behind its end with a record in between (a transaction marker alone does not count: the listeners commit the
     * offset after their last record, which is the marker's when the input was written in a transaction, as replays
     * write it). Empty when the group has processed everything and committed its outputs.
     */
    static Map<TopicPartition, String> behind(Admin admin, String group, Collection<String> topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, String> behind = new HashMap<>();
        for (String topic : topics) {
            for (Map.Entry<TopicPartition, Long> end : endOffsets(admin, topic).entrySet()) {
                OffsetAndMetadata at = committed.get(end.getKey());
                long from = at == null ? 0 : at.offset();
                if (from < end.getValue() && hasRecords(end.getKey(), from, end.getValue())) {
                    behind.put(end.getKey(), group + " at " + (at == null ? "nothing" : from) + " of " + end.getValue());
                }
            }
        }
        return behind;
    }

    private static boolean hasRecords(TopicPartition partition, long from, long end) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024),
            new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < end) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** The repartition topics of a Streams application. */
    static List<String> repartitionTopics(Admin admin, String applicationId) throws Exception {
        return admin.listTopics().names().get().stream()
            .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-repartition")).toList();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
