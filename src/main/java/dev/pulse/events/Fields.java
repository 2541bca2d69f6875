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
    /** Whole epoch seconds down to minus this many give milliseconds that fit a long. */
    private static final long MAX_WHOLE_SECONDS = Long.MAX_VALUE / 1000;
    /** The first and the last instant with epoch milliseconds in a long. */
    private static final Instant FIRST_MILLI = Instant.ofEpochMilli(Long.MIN_VALUE);
    private static final Instant LAST_MILLI = Instant.ofEpochMilli(Long.MAX_VALUE);

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
            if (isWhole(node.getNumberValue())) {
                return Long.toString(node.getNumberValue().longValue());
            }
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
     * Reads {@code timestamp}: a number (or a numeric string) or ISO-8601 text, a naive one being UTC. A whole
     * number below {@link EventTimeBounds#MILLIS_FROM} (10^11) is epoch seconds, from there epoch milliseconds
     * (what {@code Date.now()} and {@code System.currentTimeMillis()} send), from {@link EventTimeBounds#INVALID_FROM}
     * (10^14) invalid; a number with a fraction is epoch seconds. The time must lie within {@code bounds}.
     *
     * @return epoch milliseconds, or {@code null} when the field is absent
     */
    static Long optionalTimestamp(JsonNode object, String name, EventTimeBounds bounds) {
        JsonNode node = field(object, name);
        if (node == null) {
            return null;
        }
        String expected = "epoch seconds, epoch milliseconds or an ISO-8601 date-time";
        if (node.isNumber()) {
            Number number = node.getNumberValue();
            long millis = isWhole(number) ? wholeToMillis(name, node, number.longValue())
                : decimalToMillis(name, node, node.getBigDecimalValue());
            return bounded(name, node, millis, bounds);
        }
        if (!node.isString()) {
            throw InvalidFieldException.field(name, expected, describe(node));
        }
        String text = node.getStringValue().trim();
        if (mayBeNumber(text)) {
            BigDecimal number = null;
            try {
                number = new BigDecimal(text);
            } catch (NumberFormatException notANumber) {
                // not a number: try the ISO-8601 forms below
            }
            if (number != null) {
                return bounded(name, node, decimalToMillis(name, node, number), bounds);
            }
        }
        Instant instant = parseIsoInstant(text);
        if (instant == null) {
            throw InvalidFieldException.field(name, expected, describe(node));
        }
        // A year such as +999999999 has no epoch milliseconds in a long: it is out of bounds either way.
        long millis = instant.isBefore(FIRST_MILLI) ? Long.MIN_VALUE
            : instant.isAfter(LAST_MILLI) ? Long.MAX_VALUE : instant.toEpochMilli();
        return bounded(name, node, millis, bounds);
    }

    private static long bounded(String name, JsonNode node, long millis, EventTimeBounds bounds) {
        String rejection = bounds.rejection(millis);
        if (rejection != null) {
            throw new InvalidFieldException("field '" + name + "': " + rejection + " (" + describe(node) + ")");
        }
        return millis;
    }

    /** An int or a long, as the parser gives whole numbers that fit: read without going through BigDecimal. */
    private static boolean isWhole(Number number) {
        return number instanceof Integer || number instanceof Long;
    }

    /**
     * A whole number: epoch seconds below 10^11, epoch milliseconds below 10^14, invalid from there. Values out
     * of any bounds come back as {@code Long.MIN_VALUE} (far before 2000), for {@link #bounded} to reject.
     */
    private static long wholeToMillis(String name, JsonNode node, long value) {
        if (value >= EventTimeBounds.INVALID_FROM) {
            throw InvalidFieldException.field(name, "epoch seconds (below 10^11) or epoch milliseconds (below 10^14)",
                describe(node) + ", 10^14 or more (microseconds?)");
        }
        if (value >= EventTimeBounds.MILLIS_FROM) {
            return value;
        }
        return value < -MAX_WHOLE_SECONDS ? Long.MIN_VALUE : value * 1000;
    }

    /** Any number: a whole one as {@link #wholeToMillis}, one with a fraction as epoch seconds. */
    private static long decimalToMillis(String name, JsonNode node, BigDecimal number) {
        // Below 1 in size (0.5, 1e-999999999) it is 1970 either way; rounding such a scale would take minutes.
        if (number.signum() == 0 || number.precision() - number.scale() <= 0) {
            return 0;
        }
        if (number.stripTrailingZeros().scale() <= 0) {
            if (number.compareTo(BigDecimal.valueOf(EventTimeBounds.INVALID_FROM)) >= 0) {
                return wholeToMillis(name, node, EventTimeBounds.INVALID_FROM);
            }
            return number.compareTo(BigDecimal.valueOf(-MAX_WHOLE_SECONDS)) < 0 ? Long.MIN_VALUE
                : wholeToMillis(name, node, number.longValueExact());
        }
        BigDecimal millis = number.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_UP);
        if (millis.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Long.MAX_VALUE;
        }
        return millis.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0 ? Long.MIN_VALUE : millis.longValueExact();
    }

    /**
     * Whether {@code new BigDecimal(text)} could accept the text: it takes only digits (any script), signs, a point
     * and an exponent mark. Checking first spares a thrown exception for every ISO-8601 timestamp.
     */
    private static boolean mayBeNumber(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isDigit(c) && c != '+' && c != '-' && c != '.' && c != 'e' && c != 'E') {
                return false;
            }
        }
        return !text.isEmpty();
    }

    private static Instant parseIsoInstant(String text) {
        // Python's str(datetime) separates date and time with a space; isoformat() with 'T'.
        String iso = text.length() > 10 && text.charAt(10) == ' ' ? text.substring(0, 10) + 'T' + text.substring(11) : text;
        // A text is at most one of the two forms (one needs an offset, the other takes none), so the order only
        // decides which attempt may fail: the form the text looks like goes first, sparing a thrown exception.
        if (hasOffset(iso)) {
            Instant instant = withOffset(iso);
            return instant != null ? instant : naive(iso);
        }
        Instant instant = naive(iso);
        return instant != null ? instant : withOffset(iso);
    }

    /** Whether the time part of an ISO-8601 text ends in an offset: {@code Z}, {@code +hh:mm} or {@code -hh:mm}. */
    private static boolean hasOffset(String iso) {
        int time = iso.indexOf('T');
        if (time < 0) {
            return false;
        }
        for (int i = time + 1; i < iso.length(); i++) {
            char c = iso.charAt(i);
            if (c == 'Z' || c == 'z' || c == '+' || c == '-') {
                return true;
            }
        }
        return false;
    }

    private static Instant withOffset(String iso) {
        try {
            return OffsetDateTime.parse(iso).toInstant();
        } catch (DateTimeException notIso) {
            return null;
        }
    }

    private static Instant naive(String iso) {
        try {
            return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException notIso) {
            return null;
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
