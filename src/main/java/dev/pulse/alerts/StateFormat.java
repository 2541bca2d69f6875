package dev.pulse.alerts;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The format version of every value the alert listeners keep in the {@link StateStore} (Redis): a device's alert
 * state ({@code DeviceAlertState}), a device's threshold override ({@code DeviceThreshold}), a card's state
 * ({@code CardState}) and each partition's progress ({@link KeyedStateProcessor}). A build reads what the build
 * before it wrote, and never takes a value a later build wrote for one it knows.
 *
 * <p>Layout: the value's JSON object with the member {@code "format": <version>} first, written exactly as
 * {@code {"format":1,...}} ({@link #VERSION} today). The previous format (version 0) is the same JSON object without
 * that member, as every build before versions wrote it; none of those objects has a member named {@code format}, so
 * a value is of version 0 exactly when it does not start with {@code {"format":}. The member keeps the value a JSON
 * object of the same members: the build before versions, which ignores members it does not know, reads version 1
 * too, so an upgrade to the first versioned build can go instance by instance (and a tool that reads the values as
 * JSON goes on reading them).
 *
 * <p>A version newer than this build's fails with {@link UnknownFormatException}, which names the value and the
 * version: a listener then retries its batch, logging each failure, rather than decide an alert on a state it cannot
 * read; a dashboard read fails the same way.
 *
 * <p>The rule for the next format change: raise {@link #VERSION}, keep a reader for the version before (this class
 * reads version 0 and {@link #VERSION}; the next one reads {@link #VERSION} − 1 and the new one), and add a recorded
 * value of the old format to the tests. A change the build before cannot read (a member renamed, a meaning changed)
 * also means that build must not run beside the new one: stop every instance of it first. Keys and the members of
 * the open-alert set (device ids) stay unversioned: a key format change is new keys.
 */
public final class StateFormat {

    /** The format version this build writes. */
    public static final int VERSION = 1;

    private static final String MARK = "{\"format\":";

    /** A stored value of a format this build does not read: written by a later build, or damaged. */
    public static final class UnknownFormatException extends RuntimeException {
        UnknownFormatException(String message) {
            super(message);
        }
    }

    private final JsonMapper json;

    public StateFormat(JsonMapper json) {
        this.json = json;
    }

    /** {@code value} (a {@code @Serdeable} record written as a JSON object) in the current format. */
    public String write(Object value) {
        String object;
        try {
            object = json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (object.length() < 2 || object.charAt(0) != '{') {
            throw new IllegalArgumentException("state is kept as a JSON object, not " + object);
        }
        return MARK + VERSION + (object.equals("{}") ? "}" : "," + object.substring(1));
    }

    /**
     * @param value a stored value of version 0 or {@link #VERSION}, or {@code null}
     * @param type  what it holds
     * @return the value, or {@code null} for {@code null}
     * @throws UnknownFormatException for a value of another version
     */
    @Nullable
    public <T> T read(@Nullable String value, Class<T> type) {
        if (value == null) {
            return null;
        }
        String object = value;
        if (value.startsWith(MARK)) {
            int end = MARK.length();
            while (end < value.length() && Character.isDigit(value.charAt(end))) {
                end++;
            }
            char after = end < value.length() ? value.charAt(end) : ' ';
            if (end == MARK.length() || end - MARK.length() > 9 || (after != ',' && after != '}')) {
                throw new UnknownFormatException("a stored " + type.getSimpleName() + " has an unreadable format "
                    + "version: " + abbreviate(value));
            }
            int version = Integer.parseInt(value.substring(MARK.length(), end));
            if (version != VERSION) {
                throw new UnknownFormatException("a stored " + type.getSimpleName() + " has format version " + version
                    + "; this build reads versions 0 and " + VERSION + ": run the build that wrote it (or a later "
                    + "one), or delete the state: " + abbreviate(value));
            }
            object = after == ',' ? "{" + value.substring(end + 1) : "{}";
        }
        try {
            return json.readValue(object, type);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable " + type.getSimpleName() + ": " + abbreviate(value), e);
        }
    }

    private static String abbreviate(String value) {
        return value.length() <= 200 ? value : value.substring(0, 200) + "...";
    }
}
