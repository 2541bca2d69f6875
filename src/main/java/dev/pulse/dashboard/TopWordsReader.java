package dev.pulse.dashboard;

import dev.pulse.aggregates.TopWordsOfPartition;
import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import io.micronaut.context.annotation.Context;
import io.micronaut.json.JsonMapper;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code word-totals-top} whole, on every instance, into {@link TopWordsReadModel}: from the beginning (the topic
 * is compacted: one list per partition of the word counts), {@code read_committed}, on a thread of its own, so reads
 * of the top words cost the stream threads nothing and no instance needs another to answer them.
 *
 * <p>In: {@code word-totals-top} (key: partition number; value: {@link TopWordsOfPartition} JSON). Out: nothing. A plain
 * consumer with assigned partitions rather than a listener: the model is complete once the consumer's position
 * reaches the end offsets it had at start, and that must be checked after every poll, the empty ones too (the end
 * can be a transaction marker, which no record reports). A value it cannot read is logged and skipped.
 */
@Context
public class TopWordsReader {

    private static final Logger LOG = LoggerFactory.getLogger(TopWordsReader.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final TopWordsReadModel model;
    private final Serde<TopWordsOfPartition> format;
    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final Thread thread;
    private volatile boolean running = true;

    /** @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts */
    public TopWordsReader(TopWordsReadModel model, JsonMapper jsonMapper, KafkaClients clients, TopicNames names,
                          Optional<TopicCreator> topicsCreatedFirst) {
        this.model = model;
        this.format = TopWordsOfPartition.serde(jsonMapper);
        this.topic = names.resolve(Topics.WORD_TOTALS_TOP);
        this.consumer = new KafkaConsumer<>(clients.consumer(Map.of(
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
            ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false, // the topic creator makes it compacted
            ConsumerConfig.CLIENT_ID_CONFIG, "pulse-top-words")),
            new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "pulse-top-words");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            List<TopicPartition> partitions = awaitPartitions();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            boolean atEnd = false;
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<String, byte[]> record : records) {
                    apply(record);
                }
                if (!records.isEmpty()) {
                    model.publish();
                }
                atEnd = atEnd || ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                if (atEnd) {
                    model.current(System.currentTimeMillis());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the top words reader stopped; /api/words?top=N is answered from the stores from now on", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private List<TopicPartition> awaitPartitions() throws InterruptedException {
        while (true) {
            try {
                List<PartitionInfo> found = consumer.partitionsFor(topic);
                if (found != null && !found.isEmpty()) {
                    return found.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                }
            } catch (TimeoutException e) {
                LOG.warn("the top words reader cannot reach Kafka yet: {}", e.toString());
            }
            // Created by another instance's or this one's topic creator: not there yet only during a fleet's start.
            Thread.sleep(RETRY.toMillis());
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        try {
            model.apply(format.deserializer().deserialize(record.topic(), record.value()));
        } catch (Exception e) {
            LOG.warn("top words skipped {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(Duration.ofSeconds(10).toMillis());
    }
}
