package dev.pulse.ingest;

import io.micronaut.configuration.kafka.annotation.KafkaClient;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;

/**
 * Publishes one ingest request's records in a single Kafka transaction, so a request is either
 * wholly visible to {@code read_committed} readers or not at all. The transactional producer is
 * configured under {@code kafka.producers.ingest}.
 */
@Singleton
public class EventPublisher {

    private final Producer<String, byte[]> producer;

    public EventPublisher(@KafkaClient("ingest") Producer<String, byte[]> producer) {
        this.producer = producer;
        producer.initTransactions();
    }

    /**
     * @throws KafkaException when the transaction could not be committed (it is aborted first)
     */
    public synchronized void publishAll(List<ProducerRecord<String, byte[]>> records) {
        producer.beginTransaction();
        try {
            List<Future<?>> sends = records.stream().<Future<?>>map(producer::send).toList();
            producer.commitTransaction(); // flushes and fails if any send failed
            for (Future<?> send : sends) {
                send.get();
            }
        } catch (Exception e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e instanceof KafkaException kafka ? kafka : new KafkaException("publishing failed", e);
        }
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
