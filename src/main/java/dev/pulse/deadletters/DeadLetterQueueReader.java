package dev.pulse.deadletters;

import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import dev.pulse.kafka.WholeTopicReader;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.json.JsonMapper;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code dead-letter-queue} whole, on every instance, into {@link DeadLetterIndex}: from the beginning,
 * {@code read_committed} (the queue is written in the listeners' and the streams' Kafka transactions), on a thread of
 * its own. The index is complete, and {@code GET /api/dead-letters} answers, once the reader's position reaches the
 * end offsets it had at start: the last stable offsets, so a transaction left open on the queue does not hold it back.
 *
 * <p>In: {@code dead-letter-queue} (key: the rejected record's key; value: the {@link DeadLetter} JSON). Out: nothing
 * on Kafka. A plain consumer with assigned partitions, no group, nothing committed. A record that is not a dead
 * letter is skipped with a warning: the queue is Pulse's own output. Not in the command line's environment, where
 * Kafka clients are off.
 */
@Context
@Requires(property = "kafka.enabled", notEquals = "false")
public class DeadLetterQueueReader extends WholeTopicReader<String, byte[]> {

    /** Its consumer's client id, which broker quotas and metrics know it by. */
    static final String CLIENT_ID = "pulse-dead-letter-index";
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterQueueReader.class);

    private final DeadLetterIndex index;
    private final JsonMapper jsonMapper;

    /** @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts */
    public DeadLetterQueueReader(DeadLetterIndex index, JsonMapper jsonMapper, KafkaClients clients, TopicNames names,
                                 Optional<TopicCreator> topicsCreatedFirst) {
        super(CLIENT_ID, "the dead-letter list answers 503 until a restart",
            List.of(names.resolve(Topics.DEAD_LETTER_QUEUE)), clients, new StringDeserializer(),
            new ByteArrayDeserializer());
        this.index = index;
        this.jsonMapper = jsonMapper;
        start();
    }

    @Override
    protected void polled(ConsumerRecords<String, byte[]> records, Map<TopicPartition, Long> ends, boolean atEnd) {
        for (ConsumerRecord<String, byte[]> record : records) {
            DeadLetter letter;
            try {
                letter = record.value() == null ? null : jsonMapper.readValue(record.value(), DeadLetter.class);
            } catch (IOException | RuntimeException e) {
                letter = null;
            }
            if (letter == null || letter.sourceTopic() == null) {
                LOG.warn("{}-{}@{} is not a dead letter; skipped", record.topic(), record.partition(), record.offset());
                index.advance(record.partition(), record.offset());
                continue;
            }
            index.add(record.partition(), record.offset(), letter, record.key());
        }
        if (atEnd && !index.isComplete()) {
            index.complete();
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        stop();
    }
}
