package dev.pulse.ingest;

import io.micronaut.configuration.kafka.annotation.KafkaClient;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Publishes one ingest request's records (already validated, all of them) with the idempotent
 * producer configured under {@code kafka.producers.ingest}, and waits until the broker has every one.
 *
 * <p>Not in a Kafka transaction, on purpose: the input topics are read by the tutorials' own clients,
 * and kafka-python 2.0.2 (Debian's) hands transaction markers to its application as if they were
 * records. Idempotence and retries for {@code delivery.timeout.ms} leave a request half-published only
 * when the broker stays away longer than that; the caller then gets a 503 saying so.
 */
@Singleton
public class EventPublisher {

    private final Producer<String, byte[]> producer;

    public EventPublisher(@KafkaClient("ingest") Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    /**
     * @throws KafkaException when the broker did not take every record
     */
    public void publishAll(List<ProducerRecord<String, byte[]>> records) {
        List<Future<?>> sends = records.stream().<Future<?>>map(producer::send).toList();
        producer.flush();
        int failed = 0;
        Exception first = null;
        for (Future<?> send : sends) {
            try {
                send.get();
            } catch (ExecutionException e) {
                failed++;
                first = first == null ? e : first;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while publishing", e);
            }
        }
        if (failed > 0) {
            throw new KafkaException(failed + " of " + records.size() + " events were not published ("
                + (records.size() - failed) + " were): " + first.getCause(), first);
        }
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
