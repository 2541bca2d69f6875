package dev.pulse.dashboard;

import dev.pulse.aggregates.TopWordsOfPartition;
import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import dev.pulse.kafka.WholeTopicReader;
import io.micronaut.context.annotation.Context;
import io.micronaut.json.JsonMapper;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
public class TopWordsReader extends WholeTopicReader<byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(TopWordsReader.class);

    private final TopWordsReadModel model;
    private final Serde<TopWordsOfPartition> format;

    /** @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts */
    public TopWordsReader(TopWordsReadModel model, JsonMapper jsonMapper, KafkaClients clients, TopicNames names,
                          Optional<TopicCreator> topicsCreatedFirst) {
        super("pulse-top-words", "/api/words?top=N is answered from the stores from now on",
            List.of(names.resolve(Topics.WORD_TOTALS_TOP)), clients, new ByteArrayDeserializer());
        this.model = model;
        this.format = TopWordsOfPartition.serde(jsonMapper);
        start();
    }

    @Override
    protected void polled(ConsumerRecords<String, byte[]> records, Map<TopicPartition, Long> ends, boolean atEnd) {
        for (ConsumerRecord<String, byte[]> record : records) {
            apply(record);
        }
        if (!records.isEmpty()) {
            model.publish();
        }
        if (atEnd) {
            model.current(System.currentTimeMillis());
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
        stop();
    }
}
