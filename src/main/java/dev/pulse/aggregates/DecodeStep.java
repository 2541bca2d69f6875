package dev.pulse.aggregates;

import dev.pulse.events.Decoded;
import dev.pulse.events.EventTimeBounds;
import dev.pulse.deadletters.DeadLetter;
import dev.pulse.metrics.PulseMetrics;
import dev.pulse.listeners.RecordLog;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;

/**
 * Reads an input topic as raw bytes and decodes it inside the topology: a record that does not
 * decode goes to the dead-letter topic (with the reason and its origin) and processing goes on; a
 * decoded record continues with its own event time as the record timestamp, so every window and
 * join downstream runs on event time. Without a time of its own, a record's event time is its Kafka
 * timestamp, which must then lie within the same {@link EventTimeBounds} (a record of a table has no
 * event time); see {@link EventTimeExtractor} for how such a timestamp is kept from moving stream time.
 */
final class DecodeStep {

    /** Decodes one record; {@code recordTimestampMs} is the Kafka timestamp, for events without one. */
    @FunctionalInterface
    interface RecordDecoder<T> {
        Decoded<T> decode(String key, byte[] value, long recordTimestampMs);
    }

    private DecodeStep() {
    }

    /**
     * @param raw        the input topic's records as they arrive
     * @param name       prefix of the names of the source, processors, branches and sink
     * @param eventTime  the decoded value's event time in epoch ms, {@code null} to keep the record's
     * @param tombstones whether a null value is a deletion passed on as null (compacted tables)
     * @param deadLetterTopic where rejected records go; {@code null} when a listener that reads the same
     *                   topic dead-letters them already (a rejected record is then only dropped here, so
     *                   it reaches the dead-letter queue once)
     * @return the decoded records
     */
    static <T> KStream<String, T> decodeStream(KStream<String, byte[]> raw, String name, String deadLetterTopic,
                                               RecordDecoder<T> decoder, Function<T, Long> eventTime,
                                               boolean tombstones, JsonMapper jsonMapper, PulseMetrics metrics) {
        boolean countDeadLetters = deadLetterTopic != null; // else the listener reading the topic counts them
        KStream<String, Parsed<T>> parsed = raw.processValues(
            () -> new DecodeProcessor<>(decoder, eventTime, tombstones, jsonMapper, metrics, countDeadLetters),
            Named.as(name + "-decode"));
        if (deadLetterTopic == null) {
            return parsed.filter((key, value) -> value.deadLetter() == null, Named.as(name + "-drop-invalid"))
                .mapValues(Parsed::value, Named.as(name + "-decoded"));
        }
        var branches = parsed.split(Named.as(name + "-"))
            .branch((key, value) -> value.deadLetter() != null, Branched.withConsumer(invalid -> invalid
                .mapValues(Parsed::deadLetter, Named.as(name + "-dead-letter"))
                .to(deadLetterTopic, Produced.with(Serdes.String(), Serdes.ByteArray())
                    .withName(name + "-dead-letter-sink")), "invalid"))
            .defaultBranch(Branched.as("valid"));
        return branches.get(name + "-valid").mapValues(Parsed::value, Named.as(name + "-decoded"));
    }

    /** A decoded value, or the dead-letter record (JSON) of a rejected one. */
    record Parsed<T>(T value, byte[] deadLetter) {
    }

    private static final class DecodeProcessor<T> implements FixedKeyProcessor<String, byte[], Parsed<T>> {

        private final RecordDecoder<T> decoder;
        private final Function<T, Long> eventTime;
        private final boolean tombstones;
        private final JsonMapper jsonMapper;
        private final PulseMetrics metrics;
        private final boolean countDeadLetters;
        private FixedKeyProcessorContext<String, Parsed<T>> context;
        private EventTimeBounds bounds;

        DecodeProcessor(RecordDecoder<T> decoder, Function<T, Long> eventTime, boolean tombstones,
                        JsonMapper jsonMapper, PulseMetrics metrics, boolean countDeadLetters) {
            this.decoder = decoder;
            this.eventTime = eventTime;
            this.tombstones = tombstones;
            this.jsonMapper = jsonMapper;
            this.metrics = metrics;
            this.countDeadLetters = countDeadLetters;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, Parsed<T>> context) {
            this.context = context;
            this.bounds = EventTimeExtractor.bounds(context.appConfigs());
        }

        @Override
        public void process(FixedKeyRecord<String, byte[]> received) {
            context.recordMetadata().ifPresent(origin -> metrics.processed(origin.topic(), 1));
            // A Kafka timestamp out of bounds reached us replaced (EventTimeExtractor); decoding sees the true one.
            Long original = EventTimeExtractor.takeOriginalTimestamp(received.timestamp(), received.headers());
            long recordTime = original == null ? received.timestamp() : original;
            FixedKeyRecord<String, byte[]> record = original == null ? received
                : received.withTimestamp(context.currentSystemTimeMs());
            if (record.value() == null && tombstones) {
                if (record.key() == null) {
                    reject(record, "no key: a deletion (null value) needs the key of the entry to delete");
                } else {
                    context.forward(record.withValue(new Parsed<>(null, null)));
                }
                return;
            }
            Decoded<T> decoded;
            try {
                decoded = decoder.decode(record.key(), record.value(), recordTime);
            } catch (RuntimeException e) {
                // The decoders do not throw on bad input; this is a safety net so one record cannot stop the partition.
                decoded = Decoded.invalid("could not decode: " + e);
            }
            if (!decoded.isValid()) {
                reject(record, decoded.error());
                return;
            }
            // An event's own time was bounded by the decoder. Without one, its Kafka timestamp is its event time
            // (or the decoder's result names that timestamp as its time), under the same bounds; a table row has
            // no event time.
            Long time = eventTime.apply(decoded.value());
            if (!tombstones && (time == null || time == recordTime)) {
                String rejection = bounds.recordTimeRejection(recordTime);
                if (rejection != null) {
                    reject(record, rejection);
                    return;
                }
                time = recordTime;
            }
            FixedKeyRecord<String, Parsed<T>> valid = record.withValue(new Parsed<>(decoded.value(), null));
            context.forward(time == null ? valid : valid.withTimestamp(time));
        }

        private void reject(FixedKeyRecord<String, byte[]> record, String reason) {
            RecordMetadata origin = context.recordMetadata().orElse(null);
            if (countDeadLetters) {
                metrics.deadLetter(origin == null ? "unknown" : origin.topic());
                RecordLog.rejected(origin == null ? "unknown" : origin.topic(), origin == null ? -1 : origin.partition(),
                    origin == null ? -1 : origin.offset(), reason);
            }
            DeadLetter deadLetter = DeadLetter.of(record.value(), reason,
                origin == null ? "unknown" : origin.topic(),
                origin == null ? -1 : origin.partition(),
                origin == null ? -1 : origin.offset(),
                context.currentSystemTimeMs());
            byte[] json;
            try {
                json = jsonMapper.writeValueAsBytes(deadLetter);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write a dead letter", e);
            }
            // A dead letter keeps its record's time unless that is out of bounds: then it takes the time of rejection.
            long time = bounds.accepts(record.timestamp()) ? record.timestamp() : context.currentSystemTimeMs();
            context.forward(record.withValue(new Parsed<T>(null, json)).withHeaders(deadLetter.headers())
                .withTimestamp(time));
        }
    }
}
