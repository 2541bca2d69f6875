package dev.pulse.local;

import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps producing {@link DemoEvents} to every input topic while the service runs, so a fresh local
 * stack shows moving numbers. Enabled by {@code pulse.demo.enabled=true}.
 */
@Context
@Requires(property = "pulse.demo.enabled", value = "true")
public class DemoTraffic {

    private static final Logger LOG = LoggerFactory.getLogger(DemoTraffic.class);

    private final Producer<String, byte[]> producer;
    private final TopicNames topicNames;
    private final DemoEvents events = new DemoEvents(new Random());
    private final AtomicLong sent = new AtomicLong();
    private final ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "pulse-demo-traffic"));

    public DemoTraffic(@KafkaClient("demo") Producer<String, byte[]> producer, TopicNames topicNames,
                       DemoProperties properties, TopicCreator topicsReady) {
        this.producer = producer;
        this.topicNames = topicNames;
        send(events.referenceData());
        long tickMs = properties.tick().toMillis();
        scheduler.scheduleAtFixedRate(this::tick, tickMs, tickMs, TimeUnit.MILLISECONDS);
        LOG.info("Demo traffic on: a tick of events every {} ms to every input topic", tickMs);
    }

    /** Events sent so far. */
    public long sent() {
        return sent.get();
    }

    private void tick() {
        try {
            send(events.tick(System.currentTimeMillis()));
        } catch (RuntimeException e) {
            LOG.warn("demo traffic tick failed: {}", e.toString()); // the next tick tries again
        }
    }

    private void send(List<DemoEvents.DemoRecord> records) {
        for (DemoEvents.DemoRecord record : records) {
            producer.send(new ProducerRecord<>(topicNames.resolve(record.topic()), record.key(),
                record.value().getBytes(StandardCharsets.UTF_8)));
            sent.incrementAndGet();
        }
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
        producer.close(Duration.ofSeconds(5));
    }
}
