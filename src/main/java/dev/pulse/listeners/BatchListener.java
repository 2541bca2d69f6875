package dev.pulse.listeners;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;

/**
 * What every Pulse {@code @KafkaListener} does with a poll: hand it to {@link TransactionalBatchRunner} with its
 * processor, and tell {@link ListenerHealth} when it has partitions. A subclass carries the annotations (topic,
 * group, client id) and one {@code @Topic} method that calls {@link #handle}.
 */
public abstract class BatchListener implements ConsumerRebalanceListener {

    private final String name;
    private final TransactionalBatchRunner runner;
    private final ListenerHealth health;
    private final TransactionalBatchRunner.BatchProcessor processor;

    protected BatchListener(String name, TransactionalBatchRunner runner, ListenerHealth health,
                            TransactionalBatchRunner.BatchProcessor processor) {
        this.name = name;
        this.runner = runner;
        this.health = health;
        this.processor = processor;
    }

    protected final void handle(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        runner.run(name, consumer, records, processor);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        health.polling(name);
        runner.prepare(name);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        // nothing held per partition: state is in Redis, offsets in Kafka
    }
}
