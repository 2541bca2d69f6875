package dev.pulse.bench;

import dev.pulse.testkit.TestTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The driver's Kafka plumbing: topics, offsets, and its own producers and consumers. */
final class BenchKafka implements AutoCloseable {

    private final String bootstrap;
    private final String compression;
    private final Admin admin;

    BenchKafka(String bootstrap, String compression) {
        this.bootstrap = bootstrap;
        this.compression = compression;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    String bootstrap() {
        return bootstrap;
    }

    void createTopics(Collection<String> names, Set<String> compacted, int partitions) throws Exception {
        TestTopics.create(admin, names, partitions, compacted);
    }

    List<TopicPartition> partitions(String topic) throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        return description.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** Sum of the partitions' end offsets. */
    long endOffset(String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (TopicPartition tp : partitions(topic)) {
            request.put(tp, OffsetSpec.latest());
        }
        long sum = 0;
        for (ListOffsetsResult.ListOffsetsResultInfo info : admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values()) {
            sum += info.offset();
        }
        return sum;
    }

    /** Sum of the group's committed offsets on the topic (0 where it has none). */
    long committed(String group, String topic) throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
            .mapToLong(e -> e.getValue().offset()).sum();
    }

    /**
     * The driver's producer, with Pulse's own producer settings (acks=all, idempotent, linger 5 ms, 64 KB batches)
     * and the benchmark's compression, so ProducerPerformance can be given the very same.
     */
    Map<String, Object> producerSettings() {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        return config;
    }

    KafkaProducer<byte[], byte[]> producer(String clientId) {
        Map<String, Object> config = producerSettings();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L << 20));
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A read_committed consumer without a group (partitions are assigned by hand). */
    KafkaConsumer<byte[], byte[]> consumer(String clientId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A consumer assigned every partition of the topics, from the beginning. */
    KafkaConsumer<byte[], byte[]> consumerFromStart(String clientId, Collection<String> topics) throws Exception {
        KafkaConsumer<byte[], byte[]> consumer = consumer(clientId);
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : topics) {
            all.addAll(partitions(topic));
        }
        consumer.assign(all);
        consumer.seekToBeginning(all);
        return consumer;
    }

    /** A consumer assigned every partition of the topics, from their current ends (resolved now). */
    KafkaConsumer<byte[], byte[]> consumerFromEnd(String clientId, Collection<String> topics) throws Exception {
        KafkaConsumer<byte[], byte[]> consumer = consumer(clientId);
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : topics) {
            all.addAll(partitions(topic));
        }
        consumer.assign(all);
        consumer.seekToEnd(all);
        all.forEach(consumer::position); // resolve the positions before anything is produced
        return consumer;
    }

    @Override
    public void close() {
        admin.close();
    }
}
