package dev.pulse.deadletters;

import dev.pulse.events.Decoded;
import dev.pulse.events.EventDecoder;
import dev.pulse.events.EventProperties;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reason classes, read off the error texts the decoders and listeners actually write (the decoders are run on
 * bad input here, so a change of their wording that would move a class shows).
 */
class DeadLetterReasonTest {

    private static final JsonMapper JSON = ObjectMapper.getDefault();
    private static final EventDecoder DECODER = new EventDecoder(JSON);
    private static final byte[] BINARY = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF};

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
        record   | {"value": 1                                              | invalid_json
        record   | {"value": 1, "category": "A"} junk                       | invalid_json
        record   | '   '                                                    | invalid_json
        record   | [1, 2]                                                   | wrong_format
        record   | null                                                     | wrong_format
        record   | 42                                                       | wrong_format
        words    | '!!! ???'                                                | wrong_format
        words    | [1]                                                      | wrong_format
        sensor   | hot stuff                                                | wrong_format
        sensor   | Temperature: 30C                                         | missing_key
        record   | {"value": 1}                                             | missing_field
        record   | {"value": 1, "category": ""}                             | missing_field
        record   | {"value": 1, "category": null}                           | missing_field
        threshold| {}                                                       | missing_field
        record   | {"value": "ten", "category": "A"}                        | invalid_field
        record   | {"value": 1, "category": 7}                              | invalid_field
        payment  | {"transaction_id": "t", "card_id": "c", "amount": -1}    | invalid_field
        payment  | {"transaction_id": "t", "card_id": "c", "amount": 1, "lat": 1} | invalid_field
        event    | {"user_id": 1.5, "event_type": "x"}                      | invalid_field
        record   | {"value": 1, "category": "A", "timestamp": "yesterday"}  | invalid_timestamp
        record   | {"value": 1, "category": "A", "timestamp": true}         | invalid_timestamp
        """)
    void classifiesWhatTheDecodersReject(String decoder, String value, String reason) {
        Decoded<?> decoded = decode(decoder, value.getBytes(StandardCharsets.UTF_8));

        assertFalse(decoded.isValid(), value);
        assertEquals(reason, DeadLetterReason.of(decoded.error()).label(), decoded.error());
    }

    @Test
    void classifiesAMissingValueAndBytesThatAreNotText() {
        assertEquals(DeadLetterReason.NO_VALUE, DeadLetterReason.of(DECODER.decodeWords((byte[]) null).error()));
        assertEquals(DeadLetterReason.NO_VALUE, DeadLetterReason.of(DECODER.decodeRecord((byte[]) null).error()));
        assertEquals(DeadLetterReason.NOT_UTF8, DeadLetterReason.of(DECODER.decodeRecord(BINARY).error()));
        assertEquals(DeadLetterReason.NOT_UTF8, DeadLetterReason.of(DECODER.decodeWords(BINARY).error()));
    }

    @Test
    void classifiesAValueAboveTheSizeLimitAsTooLarge() {
        EventDecoder strict = new EventDecoder(JSON, new EventProperties(16));
        byte[] value = "{\"word\": \"seventeen-bytes\"}".getBytes(StandardCharsets.UTF_8);

        for (Function<byte[], Decoded<?>> decode : java.util.List.<Function<byte[], Decoded<?>>>of(
            v -> strict.decodeWords(v), v -> strict.decodeRecord(v), v -> strict.decodePayment(v),
            v -> strict.decodeSensor(null, v))) {
            Decoded<?> decoded = decode.apply(value);
            assertFalse(decoded.isValid());
            assertEquals(DeadLetterReason.TOO_LARGE, DeadLetterReason.of(decoded.error()), decoded.error());
        }
        assertTrue(new EventDecoder(JSON, new EventProperties(value.length)).decodeWords(value).isValid(),
            "a value of exactly the limit is read");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        expected the product id as the record key, got no key                   | missing_key
        expected the device id as the record key, got a key that is not UTF-8   | missing_key
        no key: a deletion (null value) needs the key of the entry to delete    | missing_key
        no key: expected the user as the record key                             | missing_key
        output would be 2000000 bytes, above the 1048576-byte limit for a record | too_large
        field 'timestamp': expected a time at or after 1970-01-01T00:00:00Z, got -5.0 s | invalid_timestamp
        could not decode: java.lang.NullPointerException                        | other
        something nobody wrote yet                                              | other
        """)
    void classifiesTheReasonsListenersAndStreamsWriteThemselves(String error, String reason) {
        assertEquals(reason, DeadLetterReason.of(error).label());
    }

    @Test
    void labelsAreSnakeCaseAndReadBack() {
        Set<String> labels = Arrays.stream(DeadLetterReason.values()).map(DeadLetterReason::label)
            .collect(Collectors.toSet());

        assertEquals(Set.of("no_value", "not_utf8", "invalid_json", "wrong_format", "missing_key", "missing_field",
            "invalid_field", "invalid_timestamp", "too_large", "other"), labels);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            assertEquals(Optional.of(reason), DeadLetterReason.ofLabel(reason.label()));
        }
        assertEquals(Optional.empty(), DeadLetterReason.ofLabel("INVALID_JSON"));
        assertEquals(DeadLetterReason.OTHER, DeadLetterReason.of((String) null));
    }

    private static Decoded<?> decode(String decoder, byte[] value) {
        return switch (decoder.trim()) {
            case "record" -> DECODER.decodeRecord(value);
            case "words" -> DECODER.decodeWords(value);
            case "sensor" -> DECODER.decodeSensor(null, value);
            case "threshold" -> DECODER.decodeThreshold(value);
            case "payment" -> DECODER.decodePayment(value);
            case "event" -> DECODER.decodeUserEvent(value);
            default -> throw new IllegalArgumentException(decoder);
        };
    }
}
