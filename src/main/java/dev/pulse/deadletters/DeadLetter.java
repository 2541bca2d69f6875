package dev.pulse.deadletters;

import dev.pulse.events.WireTime;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import dev.pulse.events.EventDecoder;

/**
 * A record that could not be processed, as written to {@code dead-letter-queue}.
 *
 * <p>{@code original_record} is the value as text when it is valid UTF-8 ({@code original_encoding}
 * {@code "utf-8"}), else base64 ({@code "base64"}); a value above {@link #MAX_ORIGINAL_BYTES} is cut
 * to that size and {@code truncated} is true. {@code timestamp} is when Pulse rejected it, in epoch
 * seconds.
 */
@Serdeable
public record DeadLetter(
    @JsonProperty("original_record") @Nullable String originalRecord,
    @JsonProperty("original_encoding") String originalEncoding,
    @JsonProperty("original_size") int originalSize,
    @JsonProperty("truncated") boolean truncated,
    @JsonProperty("error") String error,
    @JsonProperty("source_topic") String sourceTopic,
    @JsonProperty("partition") int partition,
    @JsonProperty("offset") long offset,
    @JsonProperty("timestamp") Number timestamp) {

    /** 256 KB: the part of a rejected value kept in the dead-letter record. */
    public static final int MAX_ORIGINAL_BYTES = 256 * 1024;

    // Header names, values as UTF-8 text.
    public static final String HEADER_ERROR = "pulse.error";
    public static final String HEADER_SOURCE_TOPIC = "pulse.source.topic";
    public static final String HEADER_SOURCE_PARTITION = "pulse.source.partition";
    public static final String HEADER_SOURCE_OFFSET = "pulse.source.offset";

    /**
     * @param value      the rejected value as it arrived (may be {@code null})
     * @param error      why it was rejected
     * @param nowMillis  the rejection time
     */
    public static DeadLetter of(byte[] value, String error, String sourceTopic, int partition, long offset,
                                long nowMillis) {
        int size = value == null ? 0 : value.length;
        boolean truncated = size > MAX_ORIGINAL_BYTES;
        byte[] kept = truncated ? cutAtCharBoundary(value) : value;
        String text = kept == null ? null : EventDecoder.utf8(kept);
        String encoding = "utf-8";
        if (kept != null && text == null) {
            text = Base64.getEncoder().encodeToString(kept);
            encoding = "base64";
        }
        return new DeadLetter(text, encoding, size, truncated, error, sourceTopic, partition, offset,
            WireTime.epochSeconds(nowMillis));
    }

    /** Cuts at {@link #MAX_ORIGINAL_BYTES}, backing off so a UTF-8 sequence is not split. */
    private static byte[] cutAtCharBoundary(byte[] value) {
        int end = MAX_ORIGINAL_BYTES;
        // continuation bytes are 10xxxxxx; step back to the start of the sequence that straddles the cut
        for (int back = 0; back < 3 && end > 0 && (value[end] & 0xC0) == 0x80; back++) {
            end--;
        }
        return Arrays.copyOf(value, end);
    }

    /** The headers that repeat the reason and the origin. */
    public org.apache.kafka.common.header.Headers headers() {
        var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        headers.add(HEADER_ERROR, error.getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_SOURCE_TOPIC, sourceTopic.getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_SOURCE_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_SOURCE_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
        return headers;
    }
}
