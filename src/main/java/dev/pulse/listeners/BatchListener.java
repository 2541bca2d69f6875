package dev.pulse.listeners;

import io.micronaut.configuration.kafka.ConsumerAware;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;

/**
 * What every Pulse {@code @KafkaListener} does with a poll: hand it to {@link TransactionalBatchRunner} with its
 * processor; and when partitions come and go, have the runner open (fencing their previous owners) or close their
 * transactional producers and tell {@link ListenerHealth}. A subclass carries the annotations (topic, group, client
 * id; one consumer thread) and one {@code @Topic} method that calls {@link #handle}.
 */
public abstract class BatchListener implements ConsumerRebalanceListener, ConsumerAware<byte[], byte[]> {

    private final String name;
    private final TransactionalBatchRunner runner;
    private final ListenerHealth health;
    private final TransactionalBatchRunner.BatchProcessor processor;
    private volatile Consumer<byte[], byte[]> consumer;

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
    public void setKafkaConsumer(Consumer<byte[], byte[]> consumer) {
        this.consumer = consumer;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        health.polling(name);
        runner.assigned(name, consumer, partitions);
    }

    /** Also for partitions lost (Kafka's default): their producers are fenced or about to be. */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        runner.revoked(name, partitions); // nothing else is held per partition: state is in Redis, offsets in Kafka
    }
}
