package dev.pulse.deadletters;

import dev.pulse.kafka.Topics;
import io.micronaut.configuration.kafka.ConsumerSeekAware;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.configuration.kafka.seek.KafkaSeekOperation;
import io.micronaut.configuration.kafka.seek.KafkaSeeker;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * Follows {@code dead-letter-queue} on every instance, from its beginning, {@code read_committed} (a group of its own
 * per instance that commits nothing), into {@link DeadLetterIndex}. Out: nothing on Kafka. A record that is not a
 * dead letter is skipped with a warning: the queue is Pulse's own output.
 */
@KafkaListener(uniqueGroupId = true, groupId = "pulse-dead-letter-index", offsetReset = OffsetReset.EARLIEST,
    offsetStrategy = OffsetStrategy.DISABLED, isolation = IsolationLevel.READ_COMMITTED, batch = true)
public class DeadLetterIndexListener implements ConsumerSeekAware {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterIndexListener.class);

    private final DeadLetterIndex index;
    private final JsonMapper jsonMapper;

    public DeadLetterIndexListener(DeadLetterIndex index, JsonMapper jsonMapper) {
        this.index = index;
        this.jsonMapper = jsonMapper;
    }

    @Topic(Topics.DEAD_LETTER_QUEUE_PROPERTY)
    public void receive(List<ConsumerRecord<byte[], byte[]>> records) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
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
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions, KafkaSeeker seeker) {
        for (TopicPartition partition : partitions) {
            Long next = index.nextOffset(partition.partition());
            seeker.perform(next == null ? KafkaSeekOperation.seekToBeginning(partition)
                : KafkaSeekOperation.seek(partition, next));
        }
    }
}
