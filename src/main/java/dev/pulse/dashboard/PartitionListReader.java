package dev.pulse.dashboard;

import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.WholeTopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * Reads a read model's topic ({@code Topics.READ_MODELS}) whole, on every instance, into its
 * {@link PartitionedReadModel}: from the beginning (the topic is compacted: one list per partition of the store),
 * {@code read_committed}, on a thread of its own, so the reads it serves cost the stream threads nothing.
 *
 * <p>A plain consumer with assigned partitions rather than a listener: the model is complete once the consumer's
 * position reaches the end offsets it had at start, and that must be checked after every poll, the empty ones too (the
 * end can be a transaction marker, which no record reports). A value it cannot read is logged and skipped.
 *
 * @param <P> one partition's list
 */
abstract class PartitionListReader<P> extends WholeTopicReader<byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionListReader.class);

    private final PartitionedReadModel<P> model;
    private final Deserializer<P> format;

    /**
     * @param name        the thread's and consumer's client id
     * @param whenStopped what the service does without it, for the log line if it stops for good
     */
    PartitionListReader(String name, String whenStopped, String topic, KafkaClients clients,
                        PartitionedReadModel<P> model, Deserializer<P> format) {
        super(name, whenStopped, List.of(topic), clients, new ByteArrayDeserializer());
        this.model = model;
        this.format = format;
    }

    @Override
    protected void polled(ConsumerRecords<String, byte[]> records, Map<TopicPartition, Long> ends, boolean atEnd) {
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                model.apply(format.deserialize(record.topic(), record.value()));
            } catch (Exception e) {
                LOG.warn("{} skipped {}-{}@{}: {}", record.topic(), record.topic(), record.partition(), record.offset(),
                    e.toString());
            }
        }
        if (!records.isEmpty()) {
            model.publish();
        }
        if (atEnd) {
            model.current(System.currentTimeMillis());
        }
    }
}
