package dev.pulse.aggregates;

import dev.pulse.events.EventTimeBounds;
import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TimestampExtractor;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/**
 * The timestamp Kafka Streams takes from each input record ({@code default.timestamp.extractor}): its Kafka record
 * timestamp when that lies within {@link EventTimeBounds}, else {@link #OUT_OF_BOUNDS}, so the record cannot move
 * its partition's stream time (stream time only moves forward, and 0 is behind any time Pulse accepts). The true
 * timestamp rides along in header {@link #ORIGINAL_TIMESTAMP_HEADER}, which {@link DecodeStep} takes off again:
 * it dead-letters the record when that timestamp would be its event time (the value has no {@code timestamp} of
 * its own), and with the reason.
 *
 * <p>Records Pulse writes to its repartition topics carry their event time, already checked, as their timestamp.
 * The bounds come from the stream's configuration under {@link #BOUNDS_CONFIG} (put there by {@link Installer});
 * without them, the defaults.
 */
public final class EventTimeExtractor implements TimestampExtractor, Configurable {

    /** The stream configuration key of the {@link EventTimeBounds} object (not a text setting). */
    public static final String BOUNDS_CONFIG = "pulse.event-time.bounds";
    /** Carries a replaced record timestamp (epoch ms as text) from the extractor to {@link DecodeStep}. */
    static final String ORIGINAL_TIMESTAMP_HEADER = "pulse.original-timestamp";
    /** What a record timestamp outside the bounds is replaced with. */
    static final long OUT_OF_BOUNDS = 0;

    private EventTimeBounds bounds = EventTimeBounds.defaults();

    /** The bounds in a stream's configuration, else the defaults. */
    static EventTimeBounds bounds(Map<String, ?> configs) {
        return configs.get(BOUNDS_CONFIG) instanceof EventTimeBounds configured ? configured : EventTimeBounds.defaults();
    }

    /** Makes this the stream's extractor, with {@code bounds}. */
    public static void use(Properties streamsConfig, EventTimeBounds bounds) {
        streamsConfig.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, EventTimeExtractor.class);
        streamsConfig.put(BOUNDS_CONFIG, bounds);
    }

    @Override
    public void configure(Map<String, ?> configs) {
        bounds = bounds(configs);
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        long timestamp = record.timestamp();
        if (bounds.accepts(timestamp)) {
            return timestamp;
        }
        try {
            record.headers().add(ORIGINAL_TIMESTAMP_HEADER, Long.toString(timestamp).getBytes(StandardCharsets.UTF_8));
        } catch (IllegalStateException readOnly) {
            // Without the header the record is still held back and rejected, only the reason cannot name its time.
        }
        return OUT_OF_BOUNDS;
    }

    /**
     * The record's true Kafka timestamp when this extractor replaced it, else {@code null}; takes the header off
     * such a record. The header counts only on a record whose timestamp is {@link #OUT_OF_BOUNDS}: on any other,
     * one of that name is the producer's own.
     */
    static Long takeOriginalTimestamp(long timestamp, Headers headers) {
        if (timestamp != OUT_OF_BOUNDS) {
            return null;
        }
        Header header = headers.lastHeader(ORIGINAL_TIMESTAMP_HEADER);
        if (header == null) {
            return null;
        }
        headers.remove(ORIGINAL_TIMESTAMP_HEADER);
        try {
            return Long.parseLong(new String(header.value(), StandardCharsets.UTF_8));
        } catch (NumberFormatException notOurs) {
            return null;
        }
    }

    /** Puts the application's bounds into every Kafka Streams configuration, for the extractor and the decoding. */
    @Singleton
    static class Installer implements BeanCreatedEventListener<ConfiguredStreamBuilder> {

        private final EventTimeBounds bounds;

        Installer(EventTimeBounds bounds) {
            this.bounds = bounds;
        }

        @Override
        public ConfiguredStreamBuilder onCreated(BeanCreatedEvent<ConfiguredStreamBuilder> event) {
            event.getBean().getConfiguration().put(BOUNDS_CONFIG, bounds);
            return event.getBean();
        }
    }
}
