package dev.pulse.deadletters;

import dev.pulse.events.EventDecoder;
import dev.pulse.events.WireTime;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A record that could not be processed, as written to {@code dead-letter-queue}: the record as it arrived (value, key,
 * timestamp, headers), where it came from, and why it was rejected.
 *
 * <p>Bytes are kept as text when they are valid UTF-8 ({@code "utf-8"}), else as base64 ({@code "base64"}): the value
 * in {@code original_record} ({@code original_encoding}), the key in {@code original_key} ({@code key_encoding}, both
 * null for no key), each header value in {@code original_headers} (name → value; a name that occurs more than once
 * maps to the list of its values; {@code headers_encoding} names the headers whose values are base64). A value is
 * kept whole up to {@code maxValueBytes} (1 MiB by default, above the broker's default message limit); only a larger
 * one is cut to it, at a character boundary, with {@code truncated} true: such a dead letter cannot be replayed.
 * {@code timestamp} is when Pulse rejected it, in epoch seconds; {@code original_timestamp} is the record's own, in
 * epoch ms, with {@code original_timestamp_type} ({@code CreateTime}, {@code LogAppendTime}, or null where not
 * known). {@code replay_of} names the dead letter ({@code <topic>/<partition>/<offset>}) that the record was a
 * replay of, when it was one (its header {@code pulse.replay.of}).
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record DeadLetter(
    @JsonProperty("original_record") @Nullable String originalRecord,
    @JsonProperty("original_encoding") String originalEncoding,
    @JsonProperty("original_size") int originalSize,
    @JsonProperty("truncated") boolean truncated,
    @JsonProperty("error") String error,
    @JsonProperty("source_topic") String sourceTopic,
    @JsonProperty("partition") int partition,
    @JsonProperty("offset") long offset,
    @JsonProperty("timestamp") Number timestamp,
    @JsonProperty("original_key") @Nullable String originalKey,
    @JsonProperty("key_encoding") @Nullable String keyEncoding,
    @JsonProperty("original_timestamp") @Nullable Long originalTimestamp,
    @JsonProperty("original_timestamp_type") @Nullable String originalTimestampType,
    @JsonProperty("original_headers") @Nullable Map<String, Object> originalHeaders,
    @JsonProperty("headers_encoding") @Nullable Map<String, String> headersEncoding,
    @JsonProperty("replay_of") @Nullable String replayOf) {

    /** 1 MiB: values up to this size are kept whole by default (an eighth of the dead-letter queue's record size). */
    public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

    public static final String UTF_8 = "utf-8";
    public static final String BASE64 = "base64";

    // Header names, values as UTF-8 text.
    public static final String HEADER_ERROR = "pulse.error";
    public static final String HEADER_SOURCE_TOPIC = "pulse.source.topic";
    public static final String HEADER_SOURCE_PARTITION = "pulse.source.partition";
    public static final String HEADER_SOURCE_OFFSET = "pulse.source.offset";
    /** On a replayed record: the dead letter it replays, {@code <dead-letter topic>/<partition>/<offset>}. */
    public static final String HEADER_REPLAY_OF = "pulse.replay.of";

    /**
     * @param record        the rejected record as it arrived
     * @param error         why it was rejected
     * @param nowMillis     the rejection time
     * @param maxValueBytes values above this many bytes are cut to it
     */
    public static DeadLetter of(RejectedRecord record, String error, long nowMillis, int maxValueBytes) {
        byte[] value = record.value();
        int size = value == null ? 0 : value.length;
        boolean truncated = size > maxValueBytes;
        Encoded kept = Encoded.of(truncated ? cutAtCharBoundary(value, maxValueBytes) : value);
        Encoded key = Encoded.of(record.key());
        Map<String, Object> headers = new LinkedHashMap<>();
        Map<String, String> encodings = new LinkedHashMap<>();
        String replayOf = encodeHeaders(record.headers(), headers, encodings);
        return new DeadLetter(kept.text(), kept.text() == null ? UTF_8 : kept.encoding(), size, truncated, error,
            record.topic(), record.partition(), record.offset(), WireTime.epochSeconds(nowMillis),
            key.text(), key.text() == null ? null : key.encoding(),
            record.timestamp() >= 0 ? record.timestamp() : null, record.timestampType(),
            headers, encodings, replayOf);
    }

    /** A dead letter of a value alone (no key, timestamp or headers), kept whole up to the default size. */
    public static DeadLetter of(byte[] value, String error, String sourceTopic, int partition, long offset,
                                long nowMillis) {
        return of(new RejectedRecord(sourceTopic, partition, offset, null, value, -1, null, null), error, nowMillis,
            DEFAULT_MAX_VALUE_BYTES);
    }

    /** Cuts at {@code max}, backing off so a UTF-8 sequence is not split. */
    private static byte[] cutAtCharBoundary(byte[] value, int max) {
        int end = max;
        // continuation bytes are 10xxxxxx; step back to the start of the sequence that straddles the cut
        for (int back = 0; back < 3 && end > 0 && (value[end] & 0xC0) == 0x80; back++) {
            end--;
        }
        return Arrays.copyOf(value, end);
    }

    /** Fills {@code into} and {@code encodings}; returns the value of {@code pulse.replay.of}, if there is one. */
    private static String encodeHeaders(Headers headers, Map<String, Object> into, Map<String, String> encodings) {
        if (headers == null) {
            return null;
        }
        Map<String, List<byte[]>> byName = new LinkedHashMap<>();
        String replayOf = null;
        for (Header header : headers) {
            byName.computeIfAbsent(header.key(), k -> new ArrayList<>()).add(header.value());
            if (HEADER_REPLAY_OF.equals(header.key()) && header.value() != null) {
                replayOf = new String(header.value(), StandardCharsets.UTF_8);
            }
        }
        for (var entry : byName.entrySet()) {
            // All values of one name share an encoding, so one entry of headers_encoding says how to read them.
            boolean base64 = entry.getValue().stream().anyMatch(v -> v != null && EventDecoder.utf8(v) == null);
            List<String> values = new ArrayList<>();
            for (byte[] value : entry.getValue()) {
                values.add(value == null ? null
                    : base64 ? Base64.getEncoder().encodeToString(value) : new String(value, StandardCharsets.UTF_8));
            }
            into.put(entry.getKey(), values.size() == 1 ? values.get(0) : values);
            if (base64) {
                encodings.put(entry.getKey(), BASE64);
            }
        }
        return replayOf;
    }

    /** The headers that repeat the reason and the origin. */
    public Headers headers() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_ERROR, error.getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_SOURCE_TOPIC, sourceTopic.getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_SOURCE_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_SOURCE_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /** The class of {@link #error()}. */
    public DeadLetterReason reason() {
        return DeadLetterReason.of(error);
    }

    /** The rejected value's bytes as they arrived ({@code null} for none); cut when {@link #truncated()}. */
    public byte[] originalValueBytes() {
        return Encoded.decode(originalRecord, originalEncoding);
    }

    /** The rejected record's key bytes as they arrived, {@code null} for no key. */
    public byte[] originalKeyBytes() {
        return Encoded.decode(originalKey, keyEncoding);
    }

    /** The rejected record's headers as they arrived: names in their first order, each name's values in order. */
    public Headers originalHeaderBytes() {
        RecordHeaders headers = new RecordHeaders();
        if (originalHeaders == null) {
            return headers;
        }
        for (var entry : originalHeaders.entrySet()) {
            String encoding = headersEncoding == null ? null : headersEncoding.get(entry.getKey());
            List<?> values = entry.getValue() instanceof List<?> list ? list : java.util.Collections.singletonList(entry.getValue());
            for (Object value : values) {
                headers.add(entry.getKey(), value == null ? null : Encoded.decode(value.toString(), encoding));
            }
        }
        return headers;
    }

    /** Where a dead letter is: {@code <topic>/<partition>/<offset>}, as header {@code pulse.replay.of} names it. */
    public static String coordinates(String topic, int partition, long offset) {
        return topic + "/" + partition + "/" + offset;
    }

    /**
     * The dead-letter partition of every rejected record of one source partition: all of them land in one partition
     * of the queue, in their source order, so a replay that reads one queue partition after another puts each source
     * partition's records back in their order. Listeners and Kafka Streams compute it alike.
     */
    public static int partitionFor(String sourceTopic, int sourcePartition, int partitions) {
        return route(sourceTopic, sourcePartition) % partitions;
    }

    /** A non-negative hash of a source partition; {@link #partitionFor} is it modulo the partition count. */
    public static int route(String sourceTopic, int sourcePartition) {
        return Utils.toPositive(Utils.murmur2((sourceTopic + "/" + sourcePartition).getBytes(StandardCharsets.UTF_8)));
    }

    /** Bytes as text (valid UTF-8) or base64 (anything else). */
    private record Encoded(String text, String encoding) {

        static Encoded of(byte[] bytes) {
            if (bytes == null) {
                return new Encoded(null, null);
            }
            String text = EventDecoder.utf8(bytes);
            return text != null ? new Encoded(text, UTF_8) : new Encoded(Base64.getEncoder().encodeToString(bytes), BASE64);
        }

        static byte[] decode(String text, String encoding) {
            if (text == null) {
                return null;
            }
            return BASE64.equals(encoding) ? Base64.getDecoder().decode(text) : text.getBytes(StandardCharsets.UTF_8);
        }
    }
}
