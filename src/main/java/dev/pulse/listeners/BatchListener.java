package dev.pulse.listeners;

import io.micronaut.configuration.kafka.ConsumerAware;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

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

    /**
     * Runs the batch, then {@link #afterBatch}. A {@link WakeupException} from either (a blocking consumer call
     * woken up by the context's close) is armed again before returning: micronaut-kafka takes whatever a listener
     * method throws for a processing error and polls on, so the wakeup that is to end its poll loop would be lost,
     * and the consumer's close would wait for that loop for ever.
     */
    protected final void handle(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        try {
            runner.run(name, consumer, records, processor);
            afterBatch(records, consumer);
        } catch (WakeupException stopping) {
            consumer.wakeup(); // the next poll throws it, outside the listener method, and the loop ends
        }
    }

    /** What a listener does with its consumer after each batch (seeks, positions); nothing by default. */
    protected void afterBatch(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
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
