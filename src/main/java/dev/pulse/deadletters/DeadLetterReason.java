package dev.pulse.deadletters;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Why a record was rejected, as one of a small fixed set of classes: the {@code reason} of
 * {@code GET /api/dead-letters}, the filter {@code error=} of the API and of a replay, and the {@code reason} label of
 * {@code pulse_dead_letters_total}. The class is read off the error text the decoders write (which names the field,
 * what was expected and what was found), so it needs no field of its own in the dead letter and applies to dead
 * letters written before it existed.
 */
public enum DeadLetterReason {

    /** A null value where the topic takes no deletions. */
    NO_VALUE,
    /** The value's bytes are not UTF-8 text. */
    NOT_UTF8,
    /** Text that should be JSON and is not (cut off, text after the value, too deep, …). */
    INVALID_JSON,
    /** JSON or text, but not of the form the topic takes (an array, a scalar, a line without words, …). */
    WRONG_FORMAT,
    /** The record key the topic needs (a device, user or product id) is missing, blank or not UTF-8. */
    MISSING_KEY,
    /** A required field is absent, null or empty. */
    MISSING_FIELD,
    /** A field of the wrong type or out of range. */
    INVALID_FIELD,
    /** A {@code timestamp} that cannot be read or lies outside the accepted range. */
    INVALID_TIMESTAMP,
    /** A value above {@code pulse.events.max-value-bytes}, or an output that would exceed a record's limit. */
    TOO_LARGE,
    /** Anything else. */
    OTHER;

    /** The name on the wire: {@code invalid_json}, {@code missing_field}, … */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The class of a label, or empty when there is none of that name. */
    public static Optional<DeadLetterReason> ofLabel(String label) {
        return Arrays.stream(values()).filter(r -> r.label().equals(label)).findFirst();
    }

    /** The class of an error text as Pulse writes it in {@code error} and header {@code pulse.error}. */
    public static DeadLetterReason of(String error) {
        if (error == null) {
            return OTHER;
        }
        if (error.startsWith("no value")) {
            return NO_VALUE;
        }
        if (error.startsWith("value is not valid UTF-8")) {
            return NOT_UTF8;
        }
        if (error.startsWith("not valid JSON")) {
            return INVALID_JSON;
        }
        if (error.startsWith("value too large") || error.startsWith("output would be")) {
            return TOO_LARGE;
        }
        if (error.startsWith("no key") || error.contains("record key")) {
            return MISSING_KEY;
        }
        if (error.startsWith("field 'timestamp'")) {
            return INVALID_TIMESTAMP;
        }
        if (error.startsWith("field '") || error.startsWith("fields '")) {
            return error.endsWith(", got nothing") || error.endsWith(", got an empty string") ? MISSING_FIELD
                : INVALID_FIELD;
        }
        if (error.startsWith("expected '") && error.endsWith("got neither")) {
            return MISSING_FIELD;
        }
        if (error.startsWith("expected ") || error.startsWith("text line has no words")) {
            return WRONG_FORMAT;
        }
        return OTHER;
    }

    /** The class of a dead-letter record from its {@code pulse.error} header ({@link #OTHER} without one). */
    public static DeadLetterReason of(Headers headers) {
        Header error = headers.lastHeader(DeadLetter.HEADER_ERROR);
        return of(error == null || error.value() == null ? null : new String(error.value(), StandardCharsets.UTF_8));
    }
}
