package dev.pulse.aggregates;

import dev.pulse.events.EventTimeBounds;
import dev.pulse.deadletters.DeadLetter;
import dev.pulse.deadletters.RejectedRecord;
import dev.pulse.events.Decoded;
import dev.pulse.events.EventDecoder;
import dev.pulse.listeners.RecordLog;
import dev.pulse.metrics.PulseMetrics;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads an input topic as raw bytes and decodes it inside the topology: a record that does not
 * decode goes to the dead-letter topic (with the reason, its origin, and the record as it arrived: value, key,
 * timestamp and headers) and processing goes on; a decoded record continues with its own event time as the record
 * timestamp, so every window and join downstream runs on event time. Without a time of its own, a record's event
 * time is its Kafka timestamp, which must then lie within the same {@link EventTimeBounds} (a record of a table has
 * no event time); see {@link EventTimeExtractor} for how such a timestamp is kept from moving stream time.
 *
 * <p>Sources read their keys with {@link #KEYS}, so that a key that is not UTF-8 reaches the dead letter as the bytes
 * it was. A dead letter goes to the queue partition of its source partition ({@link DeadLetter#partitionFor}) with the
 * rejection time as its timestamp, as the listeners' dead letters do.
 */
final class DecodeStep {

    /**
     * Marks a key whose bytes are not UTF-8: the rest of the string is the bytes in base64. A lone surrogate cannot come
     * out of decoding UTF-8, so no text key is ever taken for one.
     */
    private static final char BINARY_KEY = '\uDFFF';

    /**
     * The key serde of the raw input streams: a UTF-8 key reads as the String serde reads it; any other key reads as
     * {@link #BINARY_KEY} and its bytes in base64 (the String serde would replace them with U+FFFD, losing them), and
     * writes back as those bytes. Downstream, such a key is as meaningless as the replacement characters were.
     */
    static final Serde<String> KEYS = Serdes.serdeFrom(new KeySerializer(), new KeyDeserializer());

    /** Decodes one record; {@code recordTimestampMs} is the Kafka timestamp, for events without one. */
    @FunctionalInterface
    interface RecordDecoder<T> {
        Decoded<T> decode(String key, byte[] value, long recordTimestampMs);
    }

    private DecodeStep() {
    }

    /**
     * @param raw        the input topic's records as they arrive, keys read with {@link #KEYS}
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
                .to(deadLetterTopic, Produced.with(KEYS, DeadLetterValue.<T>serde())
                    .withStreamPartitioner(new ToSourcePartitionsQueue<>())
                    .withName(name + "-dead-letter-sink")), "invalid"))
            .defaultBranch(Branched.as("valid"));
        return branches.get(name + "-valid").mapValues(Parsed::value, Named.as(name + "-decoded"));
    }

    /** The key as the decoders have always seen it: text, with U+FFFD for bytes that are not UTF-8. */
    static String text(String key) {
        return key == null || key.isEmpty() || key.charAt(0) != BINARY_KEY ? key
            : new String(bytes(key), StandardCharsets.UTF_8);
    }

    /** The key's bytes as they arrived. */
    static byte[] bytes(String key) {
        if (key == null) {
            return null;
        }
        return !key.isEmpty() && key.charAt(0) == BINARY_KEY ? Base64.getDecoder().decode(key.substring(1))
            : key.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A decoded value, or the dead-letter record (JSON) of a rejected one with the {@link DeadLetter#route} of its
     * source partition.
     */
    record Parsed<T>(T value, byte[] deadLetter, int route) {
    }

    private static final class KeySerializer implements Serializer<String> {
        @Override
        public byte[] serialize(String topic, String key) {
            return bytes(key);
        }
    }

    private static final class KeyDeserializer implements Deserializer<String> {
        @Override
        public String deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            String text = EventDecoder.utf8(data);
            return text != null ? text : BINARY_KEY + Base64.getEncoder().encodeToString(data);
        }
    }

    /** Writes a {@link Parsed} dead letter as its JSON; only ever serialized (a sink). */
    private static final class DeadLetterValue {
        static <T> Serde<Parsed<T>> serde() {
            return Serdes.serdeFrom((topic, parsed) -> parsed == null ? null : parsed.deadLetter(), (topic, data) -> {
                throw new UnsupportedOperationException("dead letters are not read back here");
            });
        }
    }

    /** Every dead letter of one source partition to the same queue partition, as the listeners place theirs. */
    private static final class ToSourcePartitionsQueue<T> implements StreamPartitioner<String, Parsed<T>> {

        @Override
        @Deprecated
        public Integer partition(String topic, String key, Parsed<T> value, int numPartitions) {
            return value.route() % numPartitions;
        }

        @Override
        public Optional<Set<Integer>> partitions(String topic, String key, Parsed<T> value, int numPartitions) {
            return Optional.of(Set.of(value.route() % numPartitions));
        }
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
        private int maxValueBytes = DeadLetter.DEFAULT_MAX_VALUE_BYTES;

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
            // A dead letter may be as large as the stream's producer sends (pulse.dead-letters.max-message-bytes in
            // application.yml); as in the listeners, values up to an eighth of that are kept whole.
            Object maxRequest = context.appConfigs().get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
            if (maxRequest != null) {
                maxValueBytes = Integer.parseInt(maxRequest.toString()) / 8;
            }
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
                    reject(record, recordTime, "no key: a deletion (null value) needs the key of the entry to delete");
                } else {
                    context.forward(record.withValue(new Parsed<>(null, null, 0)));
                }
                return;
            }
            Decoded<T> decoded;
            try {
                decoded = decoder.decode(text(record.key()), record.value(), recordTime);
            } catch (RuntimeException e) {
                // The decoders do not throw on bad input; this is a safety net so one record cannot stop the partition.
                decoded = Decoded.invalid("could not decode: " + e);
            }
            if (!decoded.isValid()) {
                reject(record, recordTime, decoded.error());
                return;
            }
            // An event's own time was bounded by the decoder. Without one, its Kafka timestamp is its event time
            // (or the decoder's result names that timestamp as its time), under the same bounds; a table row has
            // no event time.
            Long time = eventTime.apply(decoded.value());
            if (!tombstones && (time == null || time == recordTime)) {
                String rejection = bounds.recordTimeRejection(recordTime);
                if (rejection != null) {
                    reject(record, recordTime, rejection);
                    return;
                }
                time = recordTime;
            }
            FixedKeyRecord<String, Parsed<T>> valid = record.withValue(new Parsed<>(decoded.value(), null, 0));
            context.forward(time == null ? valid : valid.withTimestamp(time));
        }

        private void reject(FixedKeyRecord<String, byte[]> record, long recordTime, String reason) {
            RecordMetadata origin = context.recordMetadata().orElse(null);
            String topic = origin == null ? "unknown" : origin.topic();
            int partition = origin == null ? -1 : origin.partition();
            long offset = origin == null ? -1 : origin.offset();
            long now = context.currentSystemTimeMs();
            DeadLetter deadLetter = DeadLetter.of(
                // Kafka Streams does not hand a processor the record's timestamp type.
                new RejectedRecord(topic, partition, offset, bytes(record.key()), record.value(), recordTime,
                    null, record.headers()),
                reason, now, maxValueBytes);
            if (countDeadLetters) {
                metrics.deadLetter(topic, deadLetter.reason().label());
                RecordLog.rejected(topic, partition, offset, reason);
            }
            byte[] json;
            try {
                json = jsonMapper.writeValueAsBytes(deadLetter);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write a dead letter", e);
            }
            context.forward(record.withValue(new Parsed<T>(null, json, DeadLetter.route(topic, partition)))
                .withHeaders(deadLetter.headers())
                .withTimestamp(now));
        }
    }
}
