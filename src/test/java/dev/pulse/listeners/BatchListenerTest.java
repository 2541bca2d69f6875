package dev.pulse.listeners;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What {@link BatchListener} does with a wakeup, with Kafka's mock consumer and producers. */
class BatchListenerTest {

    private static final TopicPartition P0 = new TopicPartition("in", 0);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    private final TransactionalBatchRunner runner = new TransactionalBatchRunner(
        (listener, clientId, transactionalId) -> new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer()),
        new ListenerProperties("pulse", Duration.ofMillis(1), Duration.ofMillis(4), Duration.ofSeconds(60)),
        new ListenerHealth(), new SimpleMeterRegistry());

    private ConsumerRecords<byte[], byte[]> poll() {
        consumer.assign(List.of(P0));
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.addRecord(new ConsumerRecord<>("in", 0, 0, null, "a".getBytes()));
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ZERO);
        assertEquals(1, batch.count());
        return batch;
    }

    /** A listener whose after-batch step makes a blocking consumer call that the context's close wakes up. */
    private final class WokenAfterBatch extends BatchListener {
        WokenAfterBatch() {
            super("woken", runner, new ListenerHealth(), records -> List.of());
        }

        void receive(ConsumerRecords<byte[], byte[]> records) {
            handle(records, consumer);
        }

        @Override
        protected void afterBatch(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
            throw new WakeupException();
        }
    }

    @Test
    void armsAWakeupCaughtInTheListenerAgainSoThatTheNextPollEndsThePollLoop() {
        ConsumerRecords<byte[], byte[]> batch = poll();
        WokenAfterBatch listener = new WokenAfterBatch();

        assertDoesNotThrow(() -> listener.receive(batch), "the listener method returns: the framework would swallow it");

        assertThrows(WakeupException.class, () -> consumer.poll(Duration.ZERO));
    }
}
