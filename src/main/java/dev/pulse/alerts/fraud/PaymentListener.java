package dev.pulse.alerts.fraud;

import dev.pulse.listeners.BatchListener;
import dev.pulse.listeners.ListenerHealth;
import dev.pulse.kafka.Topics;
import dev.pulse.listeners.TransactionalBatchRunner;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Requires;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.IsolationLevel;

/**
 * {@code transactions} → {@code fraud-alerts} (key: card id; one per suspicious transaction and rule) and
 * {@code dead-letter-queue}. Batches, exactly once: each poll's alerts, dead letters and offsets are one Kafka
 * transaction ({@link TransactionalBatchRunner}); the rules are {@link FraudService}.
 */
@KafkaListener(groupId = "${pulse.listeners.fraud.group-id:pulse-fraud-alerts}", clientId = PaymentListener.NAME,
    batch = true, offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.DISABLED,
    isolation = IsolationLevel.READ_COMMITTED)
@Requires(property = "pulse.listeners.fraud.enabled", notEquals = "false")
public class PaymentListener extends BatchListener {

    static final String NAME = "pulse-fraud-alerts";
    /** The annotation's group, for the service's progress keys (infra's tests read the annotation as written). */
    static final String GROUP_ID = "${pulse.listeners.fraud.group-id:pulse-fraud-alerts}";

    public PaymentListener(FraudService service, TransactionalBatchRunner runner, ListenerHealth health) {
        super(NAME, runner, health, service::process);
    }

    @Topic(Topics.TRANSACTIONS_PROPERTY)
    void receive(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        handle(records, consumer);
    }
}
