package dev.pulse.events;

import io.micronaut.json.tree.JsonNode;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;

/** Typed, reasoned access to the fields of a decoded JSON object. */
final class Fields {

    private static final int SHOWN_CHARS = 60;

    private Fields() {
    }

    static JsonNode field(JsonNode object, String name) {
        JsonNode node = object.get(name);
        return node == null || node.isNull() ? null : node;
    }

    static String requiredString(JsonNode object, String name) {
        JsonNode node = field(object, name);
        if (node == null) {
            throw InvalidFieldException.field(name, "a non-empty string", "nothing");
        }
        if (!node.isString()) {
            throw InvalidFieldException.field(name, "a non-empty string", describe(node));
        }
        String value = node.getStringValue();
        if (value.isBlank()) {
            throw InvalidFieldException.field(name, "a non-empty string", "an empty string");
        }
        return value;
    }

    static String optionalString(JsonNode object, String name) {
        JsonNode node = field(object, name);
        if (node == null) {
            return null;
        }
        if (!node.isString()) {
            throw InvalidFieldException.field(name, "a string", describe(node));
        }
        return node.getStringValue();
    }

    /** A non-empty string, or a whole number written as its decimal text (ids such as {@code 12345}). */
    static String requiredId(JsonNode object, String name) {
        JsonNode node = field(object, name);
        if (node != null && node.isNumber()) {
            BigDecimal number = node.getBigDecimalValue();
            if (number.stripTrailingZeros().scale() <= 0) {
                return number.toBigInteger().toString();
            }
            throw InvalidFieldException.field(name, "a non-empty string or a whole number", "number " + number);
        }
        if (node != null && !node.isString()) {
            throw InvalidFieldException.field(name, "a non-empty string or a whole number", describe(node));
        }
        return requiredString(object, name);
    }

    static double requiredNumber(JsonNode object, String name) {
        JsonNode node = field(object, name);
        if (node == null) {
            throw InvalidFieldException.field(name, "a number", "nothing");
        }
        return number(name, node);
    }

    static Double optionalNumber(JsonNode object, String name) {
        JsonNode node = field(object, name);
        return node == null ? null : number(name, node);
    }

    private static double number(String name, JsonNode node) {
        if (!node.isNumber()) {
            throw InvalidFieldException.field(name, "a number", describe(node));
        }
        double value = node.getDoubleValue();
        if (!Double.isFinite(value)) {
            throw InvalidFieldException.field(name, "a finite number", "number " + node.getNumberValue());
        }
        return value;
    }

    /**
     * Reads {@code timestamp}: epoch seconds (a number, or a numeric string) or ISO-8601 text,
     * a naive one being UTC.
     *
     * @return epoch milliseconds, or {@code null} when the field is absent
     */
    static Long optionalTimestamp(JsonNode object, String name) {
        JsonNode node = field(object, name);
        if (node == null) {
            return null;
        }
        String expected = "epoch seconds or an ISO-8601 date-time";
        if (node.isNumber()) {
            return epochSecondsToMillis(name, node.getBigDecimalValue());
        }
        if (!node.isString()) {
            throw InvalidFieldException.field(name, expected, describe(node));
        }
        String text = node.getStringValue().trim();
        try {
            return epochSecondsToMillis(name, new BigDecimal(text));
        } catch (NumberFormatException notANumber) {
            // not a number: try the ISO-8601 forms below
        }
        Instant instant = parseIsoInstant(text);
        if (instant == null) {
            throw InvalidFieldException.field(name, expected, describe(node));
        }
        return instant.toEpochMilli();
    }

    private static long epochSecondsToMillis(String name, BigDecimal seconds) {
        try {
            return seconds.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
        } catch (ArithmeticException tooLarge) {
            throw InvalidFieldException.field(name, "epoch seconds within range", "number " + seconds);
        }
    }

    private static Instant parseIsoInstant(String text) {
        // Python's str(datetime) separates date and time with a space; isoformat() with 'T'.
        String iso = text.length() > 10 && text.charAt(10) == ' ' ? text.substring(0, 10) + 'T' + text.substring(11) : text;
        try {
            return OffsetDateTime.parse(iso).toInstant();
        } catch (DateTimeException withoutOffset) {
            try {
                return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
            } catch (DateTimeException notIso) {
                return null;
            }
        }
    }

    /** How a value appears in a reason: its JSON type and, for scalars, a short rendering. */
    static String describe(JsonNode node) {
        if (node == null || node.isNull()) {
            return "null";
        }
        if (node.isString()) {
            return "string \"" + shorten(node.getStringValue()) + "\"";
        }
        if (node.isNumber()) {
            return "number " + node.getNumberValue();
        }
        if (node.isBoolean()) {
            return "boolean " + node.getBooleanValue();
        }
        if (node.isArray()) {
            return "an array";
        }
        return "an object";
    }

    static String shorten(String text) {
        String oneLine = text.replace("\n", "\\n").replace("\r", "\\r");
        return oneLine.length() <= SHOWN_CHARS ? oneLine : oneLine.substring(0, SHOWN_CHARS) + "…";
    }

    static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }
}
