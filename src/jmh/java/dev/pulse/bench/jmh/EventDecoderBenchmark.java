package dev.pulse.bench.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pulse.events.Decoded;
import dev.pulse.events.EventDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * {@link EventDecoder} on one record of each input topic's formats, valid and invalid, from the bytes a Kafka record
 * carries to a validated event or a reason. Baseline: Jackson's {@code readTree} of the same bytes (which for
 * invalid JSON and for the plain-text lines is Jackson failing on them), the floor of any JSON decoder.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 400, timeUnit = TimeUnit.MILLISECONDS)
public class EventDecoderBenchmark {

    /** One input: topic format, key, value, and whether the contract accepts it. */
    public enum Sample {
        WORDS_JSON(null, "{\"word\": \"Apple\"}", true, (d, s) -> d.decodeWords(s.value)),
        WORDS_LINE(null, "The quick brown fox jumps over the lazy dog", true, (d, s) -> d.decodeWords(s.value)),
        WORDS_INVALID(null, "{\"word\": \"\"}", false, (d, s) -> d.decodeWords(s.value)),
        SENSOR_JSON(null, "{\"device_id\": \"sensor_1\", \"temperature\": 52.5, \"timestamp\": 1700000000}", true,
            (d, s) -> d.decodeSensor(s.key, s.value)),
        SENSOR_LINE("sensor_1", "Temperature: 30C", true, (d, s) -> d.decodeSensor(s.key, s.value)),
        SENSOR_INVALID(null, "{\"device_id\": \"sensor_1\", \"temperature\": \"hot\", \"timestamp\": 1700000000}", false,
            (d, s) -> d.decodeSensor(s.key, s.value)),
        SENSOR_MALFORMED(null, "{\"device_id\": \"sensor_1\", \"temperature\": 52.", false,
            (d, s) -> d.decodeSensor(s.key, s.value)),
        THRESHOLD("sensor_1", "{\"threshold\": 60.0, \"hysteresis\": 5.0}", true, (d, s) -> d.decodeThreshold(s.value)),
        RECORD(null, "{\"id\": 1, \"timestamp\": 1700000000, \"value\": 10, \"category\": \"A\"}", true,
            (d, s) -> d.decodeRecord(s.value)),
        RECORD_INVALID(null, "{\"id\": 1, \"timestamp\": 1700000000, \"value\": \"ten\", \"category\": \"A\"}", false,
            (d, s) -> d.decodeRecord(s.value)),
        USER_EVENT("12345", "{\"user_id\": 12345, \"event_type\": \"page_view\", \"event_data\": {\"page\": \"/products\", "
            + "\"duration\": 45}, \"timestamp\": \"2025-01-15T10:00:00\"}", true, (d, s) -> d.decodeUserEvent(s.value)),
        CLICK("alice", "{\"user\": \"alice\", \"page\": \"/home\", \"product\": \"product-1\", \"timestamp\": 1609459200}",
            true, (d, s) -> d.decodeClick(s.value)),
        PURCHASE("alice", "{\"user\": \"alice\", \"product\": \"product-1\", \"amount\": 999.0, \"timestamp\": 1609459260}",
            true, (d, s) -> d.decodePurchase(s.value)),
        PRODUCT("product-1", "{\"name\": \"Laptop\", \"price\": 999}", true, (d, s) -> d.decodeProduct(s.value)),
        TRANSACTION("c-1", "{\"transaction_id\": \"t-1\", \"card_id\": \"c-1\", \"amount\": 120.5, \"currency\": \"EUR\", "
            + "\"merchant\": \"m-9\", \"country\": \"DE\", \"lat\": 52.52, \"lon\": 13.405, \"timestamp\": 1700000000}", true,
            (d, s) -> d.decodePayment(s.value)),
        TRANSACTION_INVALID("c-1", "{\"transaction_id\": \"t-1\", \"card_id\": \"c-1\", \"amount\": -5, \"currency\": \"EUR\", "
            + "\"merchant\": \"m-9\", \"country\": \"DE\", \"timestamp\": 1700000000}", false,
            (d, s) -> d.decodePayment(s.value)),
        NOT_UTF8(null, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'}, false,
            (d, s) -> d.decodeRecord(s.value));

        final byte[] key;
        final byte[] value;
        final boolean valid;
        final BiFunction<EventDecoder, Sample, Decoded<?>> decode;

        Sample(String key, String value, boolean valid, BiFunction<EventDecoder, Sample, Decoded<?>> decode) {
            this(key, value.getBytes(StandardCharsets.UTF_8), valid, decode);
        }

        Sample(String key, byte[] value, boolean valid, BiFunction<EventDecoder, Sample, Decoded<?>> decode) {
            this.key = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
            this.value = value;
            this.valid = valid;
            this.decode = decode;
        }
    }

    @Param
    public Sample sample;

    private final EventDecoder decoder = new EventDecoder(io.micronaut.serde.ObjectMapper.getDefault());
    private final ObjectMapper jackson = new ObjectMapper();

    @Setup
    public void checkTheSampleIsWhatItSays() {
        Decoded<?> decoded = decode();
        if (decoded.isValid() != sample.valid) {
            throw new IllegalStateException(sample + " should be " + (sample.valid ? "valid" : "invalid") + ", got "
                + decoded);
        }
    }

    @Benchmark
    public Decoded<?> decode() {
        return sample.decode.apply(decoder, sample);
    }

    @Benchmark
    public Object baselineJacksonReadTree() {
        try {
            return jackson.readTree(sample.value);
        } catch (IOException rejected) {
            return rejected;
        }
    }
}
