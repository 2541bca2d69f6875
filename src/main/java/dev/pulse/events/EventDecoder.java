package dev.pulse.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes and validates the records of every input topic of the contract.
 *
 * <p>Each {@code decodeX(byte[]…)} takes a record as it arrives from Kafka; each
 * {@code decodeX(JsonNode…)} takes one element of an HTTP ingest body. Both accept every format
 * the contract lists and reject anything else with a reason naming the field, what was expected
 * and what was found. Nothing here throws on bad input. Event times, the events' own and the Kafka
 * record timestamps standing in for them ({@link #checkRecordTime}), must lie within {@link EventTimeBounds}.
 * A record value above {@link EventProperties#maxValueBytes()} is rejected before it is read.
 */
@Singleton
public class EventDecoder {

    /** {@code Temperature: 30C}, {@code Temperature: 86.5 °F}, case-insensitive. */
    private static final Pattern TEMPERATURE_LINE =
        Pattern.compile("(?i)\\s*temperature\\s*[:=]\\s*(-?\\d+(?:\\.\\d+)?)\\s*°?\\s*([cf])\\s*");
    private static final Pattern NOT_A_WORD_CHAR = Pattern.compile("[^\\p{L}\\p{M}\\p{Nd}]+");
    private static final JsonFactory TOKENIZER = new JsonFactory();
    private static final Argument<JsonNode> JSON_NODE = Argument.of(JsonNode.class);

    /** The mapper with its JSON tree deserializer looked up once, not on every record. */
    private final JsonMapper treeMapper;
    private final EventTimeBounds timeBounds;
    private final int maxValueBytes;

    @Inject
    public EventDecoder(JsonMapper jsonMapper, EventTimeBounds timeBounds, EventProperties properties) {
        this.treeMapper = jsonMapper.createSpecific(JSON_NODE);
        this.timeBounds = timeBounds;
        this.maxValueBytes = properties.maxValueBytes();
    }

    public EventDecoder(JsonMapper jsonMapper, EventTimeBounds timeBounds) {
        this(jsonMapper, timeBounds, new EventProperties(EventProperties.DEFAULT_MAX_VALUE_BYTES));
    }

    public EventDecoder(JsonMapper jsonMapper, EventProperties properties) {
        this(jsonMapper, EventTimeBounds.defaults(), properties);
    }

    /** With the default limits: event times at most 1 h ahead of the system clock, values up to 1 MiB. */
    public EventDecoder(JsonMapper jsonMapper) {
        this(jsonMapper, EventTimeBounds.defaults());
    }

    public EventTimeBounds timeBounds() {
        return timeBounds;
    }

    /**
     * Checks the Kafka record timestamp of a decoded event that has no {@code timestamp} of its own: that is then
     * its event time, under the same bounds. A decoded event with a time of its own, or a rejection, passes as it is.
     *
     * @param eventTime the event's own time in epoch ms, {@code null} when it has none
     */
    public <T> Decoded<T> checkRecordTime(Decoded<T> decoded, Function<T, Long> eventTime, long recordTimestampMs) {
        if (!decoded.isValid() || eventTime.apply(decoded.value()) != null) {
            return decoded;
        }
        String rejection = timeBounds.recordTimeRejection(recordTimestampMs);
        return rejection == null ? decoded : Decoded.invalid(rejection);
    }

    /** Why a record value is too large to decode, or {@code null} when it is not. */
    private String tooLarge(byte[] value) {
        return value == null || value.length <= maxValueBytes ? null
            : "value too large: " + value.length + " bytes, above the limit of " + maxValueBytes
                + " bytes (pulse.events.max-value-bytes)";
    }

    // --- word-counts -------------------------------------------------------------------------

    /** {@code {"word": "Apple"}} gives one word; a plain text line gives its words; lower-cased. */
    public Decoded<List<String>> decodeWords(byte[] value) {
        String tooLarge = tooLarge(value);
        if (tooLarge != null) {
            return Decoded.invalid(tooLarge);
        }
        String text = utf8(value);
        if (text == null) {
            return Decoded.invalid(value == null ? "no value: expected {\"word\": …} or a text line" : "value is not valid UTF-8");
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            Decoded<JsonNode> json = parse(text, value);
            return json.isValid() ? decodeWords(json.value()) : Decoded.invalid(json.error());
        }
        return wordsOfLine(text);
    }

    /** An ingest element: {@code {"word": …}} or a JSON string holding a text line. */
    public Decoded<List<String>> decodeWords(JsonNode node) {
        if (node.isString()) {
            return wordsOfLine(node.getStringValue());
        }
        if (!node.isObject()) {
            return Decoded.invalid("expected an object {\"word\": …} or a text line, got " + Fields.describe(node));
        }
        return guard(() -> List.of(Fields.lower(Fields.requiredString(node, "word").strip())));
    }

    private static Decoded<List<String>> wordsOfLine(String line) {
        List<String> words = new ArrayList<>();
        for (String word : NOT_A_WORD_CHAR.split(line)) {
            if (!word.isEmpty()) {
                words.add(Fields.lower(word));
            }
        }
        return words.isEmpty()
            ? Decoded.invalid("text line has no words: \"" + Fields.shorten(line) + "\"")
            : Decoded.ok(List.copyOf(words));
    }

    // --- real-time-data ----------------------------------------------------------------------

    /**
     * A JSON reading, or a plain-text line {@code Temperature: 30C} / {@code 86F} whose device is the
     * record key. Fahrenheit is converted to Celsius.
     */
    public Decoded<SensorReading> decodeSensor(byte[] key, byte[] value) {
        String tooLarge = tooLarge(value);
        if (tooLarge != null) {
            return Decoded.invalid(tooLarge);
        }
        String text = utf8(value);
        if (text == null) {
            return Decoded.invalid(value == null ? "no value: expected a reading" : "value is not valid UTF-8");
        }
        String keyText = key == null ? null : utf8(key);
        String trimmed = text.strip();
        if (trimmed.startsWith("{")) {
            Decoded<JsonNode> json = parse(text, value);
            return json.isValid() ? decodeSensor(keyText, json.value()) : Decoded.invalid(json.error());
        }
        Matcher line = TEMPERATURE_LINE.matcher(trimmed);
        if (!line.matches()) {
            return Decoded.invalid("expected a JSON reading or a line like \"Temperature: 30C\", got \""
                + Fields.shorten(trimmed) + "\"");
        }
        if (keyText == null || keyText.isBlank()) {
            return Decoded.invalid("plain-text reading needs the device id as the record key, got no key");
        }
        double degrees = Double.parseDouble(line.group(1));
        boolean fahrenheit = line.group(2).equalsIgnoreCase("f");
        return Decoded.ok(new SensorReading(keyText, fahrenheit ? fahrenheitToCelsius(degrees) : degrees, null));
    }

    /** A JSON reading; {@code device_id} may be left out when {@code keyDeviceId} carries it. */
    public Decoded<SensorReading> decodeSensor(String keyDeviceId, JsonNode node) {
        if (!node.isObject()) {
            return Decoded.invalid("expected an object, got " + Fields.describe(node));
        }
        return guard(() -> {
            String deviceId = Fields.field(node, "device_id") != null || keyDeviceId == null || keyDeviceId.isBlank()
                ? Fields.requiredId(node, "device_id")
                : keyDeviceId;
            double temperature = Fields.requiredNumber(node, "temperature");
            String unit = Fields.optionalString(node, "unit");
            if (unit != null && !unit.equalsIgnoreCase("C") && !unit.equalsIgnoreCase("F")) {
                throw InvalidFieldException.field("unit", "\"C\" or \"F\"", Fields.describe(Fields.field(node, "unit")));
            }
            double celsius = "F".equalsIgnoreCase(unit) ? fahrenheitToCelsius(temperature) : temperature;
            return new SensorReading(deviceId, celsius, Fields.optionalTimestamp(node, "timestamp", timeBounds));
        });
    }

    static double fahrenheitToCelsius(double fahrenheit) {
        return (fahrenheit - 32.0) * 5.0 / 9.0;
    }

    // --- device-thresholds -------------------------------------------------------------------

    /** {@code {"threshold": 60.0, "hysteresis": 5.0}}; a {@code null} value is a tombstone, decoded by the caller. */
    public Decoded<DeviceThreshold> decodeThreshold(byte[] value) {
        Decoded<JsonNode> json = parseBytes(value);
        return json.isValid() ? decodeThreshold(json.value()) : Decoded.invalid(json.error());
    }

    public Decoded<DeviceThreshold> decodeThreshold(JsonNode node) {
        if (!node.isObject()) {
            return Decoded.invalid("expected an object {\"threshold\", \"hysteresis\"}, got " + Fields.describe(node));
        }
        return guard(() -> {
            Double threshold = Fields.optionalNumber(node, "threshold");
            Double hysteresis = Fields.optionalNumber(node, "hysteresis");
            if (threshold == null && hysteresis == null) {
                throw new InvalidFieldException("expected 'threshold' or 'hysteresis' (numbers), got neither");
            }
            if (hysteresis != null && hysteresis < 0) {
                throw InvalidFieldException.field("hysteresis", "a number >= 0", "number " + hysteresis);
            }
            return new DeviceThreshold(threshold, hysteresis);
        });
    }

    // --- input-topic -------------------------------------------------------------------------

    public Decoded<CategoryRecord> decodeRecord(byte[] value) {
        Decoded<JsonNode> json = parseBytes(value);
        return json.isValid() ? decodeRecord(json.value()) : Decoded.invalid(json.error());
    }

    public Decoded<CategoryRecord> decodeRecord(JsonNode node) {
        if (!node.isObject()) {
            return Decoded.invalid("expected an object, got " + Fields.describe(node));
        }
        return guard(() -> new CategoryRecord(
            Fields.requiredString(node, "category"),
            Fields.requiredNumber(node, "value"),
            Fields.optionalTimestamp(node, "timestamp", timeBounds)));
    }

    // --- user-events -------------------------------------------------------------------------

    public Decoded<UserEvent> decodeUserEvent(byte[] value) {
        Decoded<JsonNode> json = parseBytes(value);
        return json.isValid() ? decodeUserEvent(json.value()) : Decoded.invalid(json.error());
    }

    public Decoded<UserEvent> decodeUserEvent(JsonNode node) {
        if (!node.isObject()) {
            return Decoded.invalid("expected an object, got " + Fields.describe(node));
        }
        return guard(() -> {
            String userId = Fields.requiredId(node, "user_id");
            String eventType = Fields.requiredString(node, "event_type");
            JsonNode eventData = Fields.field(node, "event_data");
            if (eventData != null && !eventData.isObject()) {
                throw InvalidFieldException.field("event_data", "an object", Fields.describe(eventData));
            }
            String page = eventData == null ? null : Fields.optionalString(eventData, "page");
            if (page == null) {
                page = Fields.optionalString(node, "page");
            }
            return new UserEvent(userId, eventType, page, Fields.optionalTimestamp(node, "timestamp", timeBounds));
        });
    }

    // --- user-clicks, purchases --------------------------------------------------------------

    public Decoded<Click> decodeClick(byte[] value) {
        Decoded<JsonNode> json = parseBytes(value);
        return json.isValid() ? decodeClick(json.value()) : Decoded.invalid(json.error());
    }

    public Decoded<Click> decodeClick(JsonNode node) {
        if (!node.isObject()) {
            return Decoded.invalid("expected an object, got " + Fields.describe(node));
        }
        return guard(() -> new Click(
            Fields.requiredId(node, "user"),
            Fields.requiredString(node, "page"),
            Fields.optionalString(node, "product"),
            Fields.optionalTimestamp(node, "timestamp", timeBounds)));
    }

    public Decoded<Purchase> decodePurchase(byte[] value) {
        Decoded<JsonNode> json = parseBytes(value);
        return json.isValid() ? decodePurchase(json.value()) : Decoded.invalid(json.error());
    }

    public Decoded<Purchase> decodePurchase(JsonNode node) {
        if (!node.isObject()) {
            return Decoded.invalid("expected an object, got " + Fields.describe(node));
        }
        return guard(() -> new Purchase(
            Fields.requiredId(node, "user"),
            Fields.requiredString(node, "product"),
            Fields.optionalNumber(node, "amount"),
            Fields.optionalTimestamp(node, "timestamp", timeBounds)));
    }

    // --- user-profiles, product-catalog (compacted tables: any object) -----------------------

    public Decoded<UserProfile> decodeProfile(byte[] value) {
        Decoded<JsonNode> json = parseBytes(value);
        return json.isValid() ? decodeProfile(json.value()) : Decoded.invalid(json.error());
    }

    public Decoded<UserProfile> decodeProfile(JsonNode node) {
        if (!node.isObject()) {
            return Decoded.invalid("expected an object, got " + Fields.describe(node));
        }
        return Decoded.ok(new UserProfile(looseText(node.get("name")), looseNumber(node.get("age"))));
    }

    public Decoded<Product> decodeProduct(byte[] value) {
        Decoded<JsonNode> json = parseBytes(value);
        return json.isValid() ? decodeProduct(json.value()) : Decoded.invalid(json.error());
    }

    public Decoded<Product> decodeProduct(JsonNode node) {
        if (!node.isObject()) {
            return Decoded.invalid("expected an object, got " + Fields.describe(node));
        }
        return Decoded.ok(new Product(looseText(node.get("name")), looseNumber(node.get("price"))));
    }

    // A table row is valid whatever its fields hold: read what can be read, leave the rest null.
    private static String looseText(JsonNode node) {
        return node == null || node.isNull() || node.isContainerNode() ? null : node.coerceStringValue();
    }

    private static Double looseNumber(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return node.getDoubleValue();
        }
        if (node.isString()) {
            try {
                return new BigDecimal(node.getStringValue().trim()).doubleValue();
            } catch (NumberFormatException notNumeric) {
                return null;
            }
        }
        return null;
    }

    // --- transactions ------------------------------------------------------------------------

    public Decoded<Payment> decodePayment(byte[] value) {
        Decoded<JsonNode> json = parseBytes(value);
        return json.isValid() ? decodePayment(json.value()) : Decoded.invalid(json.error());
    }

    public Decoded<Payment> decodePayment(JsonNode node) {
        if (!node.isObject()) {
            return Decoded.invalid("expected an object, got " + Fields.describe(node));
        }
        return guard(() -> {
            String transactionId = Fields.requiredId(node, "transaction_id");
            String cardId = Fields.requiredId(node, "card_id");
            double amount = Fields.requiredNumber(node, "amount");
            if (amount < 0) {
                throw InvalidFieldException.field("amount", "a number >= 0", "number " + Fields.field(node, "amount").getNumberValue());
            }
            Double lat = Fields.optionalNumber(node, "lat");
            Double lon = Fields.optionalNumber(node, "lon");
            if (lat != null && (lat < -90 || lat > 90)) {
                throw InvalidFieldException.field("lat", "a latitude in [-90, 90]", "number " + lat);
            }
            if (lon != null && (lon < -180 || lon > 180)) {
                throw InvalidFieldException.field("lon", "a longitude in [-180, 180]", "number " + lon);
            }
            if ((lat == null) != (lon == null)) {
                throw new InvalidFieldException("fields 'lat' and 'lon': expected both or neither, got only "
                    + (lat == null ? "'lon'" : "'lat'"));
            }
            return new Payment(transactionId, cardId, amount,
                Fields.optionalString(node, "currency"),
                Fields.optionalString(node, "merchant"),
                Fields.optionalString(node, "country"),
                lat, lon,
                Fields.optionalTimestamp(node, "timestamp", timeBounds));
        });
    }

    // --- shared ------------------------------------------------------------------------------

    /**
     * Reads the entity key an HTTP ingest element carries for a topic whose key is not in the value
     * ({@code user} of a profile, {@code product_id} of a product, {@code device_id} of a threshold).
     */
    public Decoded<String> decodeKeyField(JsonNode node, String field) {
        if (!node.isObject()) {
            return Decoded.invalid("expected an object, got " + Fields.describe(node));
        }
        return guard(() -> Fields.requiredId(node, field));
    }

    /** Parses a JSON value; the reason says where it broke, in one line. */
    public Decoded<JsonNode> parse(String text) {
        return parse(text, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param text the value as text
     * @param utf8 the same value as UTF-8 bytes, which is what the mapper reads (a record's own bytes, so they need
     *             not be encoded again)
     */
    private Decoded<JsonNode> parse(String text, byte[] utf8) {
        try {
            JsonNode node = treeMapper.readValue(utf8, JSON_NODE);
            if (node == null) {
                return Decoded.invalid(text.isBlank() ? "not valid JSON: empty value" : "expected a JSON object, got null");
            }
            String trailing = trailingContent(utf8);
            return trailing == null ? Decoded.ok(node) : Decoded.invalid("not valid JSON: " + trailing);
        } catch (IOException | RuntimeException e) {
            return Decoded.invalid("not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    /**
     * The mapper stops after the first JSON value and ignores the rest, so {@code {"word": "a"} junk}
     * would pass as JSON; the contract calls such text invalid. Returns why, or {@code null}.
     */
    private static String trailingContent(byte[] utf8) {
        boolean valueRead = false;
        try (JsonParser parser = TOKENIZER.createParser(utf8)) {
            parser.nextToken();
            parser.skipChildren();
            valueRead = true;
            return parser.nextToken() == null ? null : "more text after the JSON value";
        } catch (IOException e) {
            return valueRead ? "more text after the JSON value" : firstLine(e.getMessage());
        }
    }

    /** Parses raw record bytes as a JSON value (UTF-8 only). */
    public Decoded<JsonNode> parseBytes(byte[] value) {
        if (value == null) {
            return Decoded.invalid("no value: expected a JSON object");
        }
        String tooLarge = tooLarge(value);
        if (tooLarge != null) {
            return Decoded.invalid(tooLarge);
        }
        String text = utf8(value);
        return text == null ? Decoded.invalid("value is not valid UTF-8") : parse(text, value);
    }

    /** Strict UTF-8: malformed input gives {@code null} rather than replacement characters. */
    public static String utf8(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        // The String constructor is the JDK's fast path, but it puts U+FFFD in place of malformed input. Without a
        // U+FFFD in its result the input was well-formed; with one, the strict decoder below decides.
        String lenient = new String(bytes, StandardCharsets.UTF_8);
        if (lenient.indexOf('\uFFFD') < 0) {
            return lenient;
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int end = message.indexOf('\n');
        return Fields.shorten(end < 0 ? message : message.substring(0, end));
    }

    private static <T> Decoded<T> guard(java.util.function.Supplier<T> decode) {
        try {
            return Decoded.ok(decode.get());
        } catch (InvalidFieldException e) {
            return Decoded.invalid(e.getMessage());
        }
    }
}
