package dev.pulse.alerts.fraud;

import dev.pulse.kafka.ListenerHealth;
import dev.pulse.kafka.Topics;
import dev.pulse.kafka.TransactionalBatchRunner;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Requires;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;

/**
 * {@code transactions} → {@code fraud-alerts} (key: card id; one per suspicious transaction and rule) and
 * {@code dead-letter-queue}. Batches, exactly once: each poll's alerts, dead letters and offsets are one Kafka
 * transaction ({@link TransactionalBatchRunner}); the rules are {@link FraudService}.
 */
@KafkaListener(groupId = "${pulse.listeners.fraud.group-id:pulse-fraud-alerts}", clientId = TransactionListener.NAME,
    batch = true, offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.DISABLED,
    isolation = IsolationLevel.READ_COMMITTED)
@Requires(property = "pulse.listeners.fraud.enabled", notEquals = "false")
public class TransactionListener implements ConsumerRebalanceListener {

    static final String NAME = "pulse-fraud-alerts";

    private final FraudService service;
    private final TransactionalBatchRunner runner;
    private final ListenerHealth health;

    public TransactionListener(FraudService service, TransactionalBatchRunner runner, ListenerHealth health) {
        this.service = service;
        this.runner = runner;
        this.health = health;
    }

    @Topic(Topics.TRANSACTIONS_PROPERTY)
    void receive(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        runner.run(NAME, consumer, records, service::process);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        health.polling(NAME);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        // nothing held per partition: state is in Redis, offsets in Kafka
    }
}
