package dev.pulse.events;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The event times Pulse accepts: from 2000-01-01T00:00:00Z to {@code pulse.time.max-future} (1 h) ahead of the
 * wall clock. An event time outside them would either stop every window of its partition for good (one far ahead
 * moves stream time there, and every later record is dropped as late) or say something no producer meant (a
 * time before 2000 is a unit or clock mistake), so the record is dead-lettered with the reason instead.
 *
 * <p>The same bounds apply to an event's own {@code timestamp} and, when it has none, to its Kafka record
 * timestamp, which is then its event time. Whole numbers are read by size ({@link #MILLIS_FROM},
 * {@link #INVALID_FROM}); see {@code Fields.optionalTimestamp}.
 */
@Singleton
public final class EventTimeBounds {

    /** 2000-01-01T00:00:00Z: the earliest event time accepted. */
    public static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    /** 10^11: a whole-number timestamp this large or larger is epoch milliseconds (smaller: seconds). */
    public static final long MILLIS_FROM = 100_000_000_000L;
    /** 10^14: a whole-number timestamp this large or larger is invalid (microseconds, nanoseconds). */
    public static final long INVALID_FROM = 100_000_000_000_000L;

    private static final long EARLIEST_MS = EARLIEST.toEpochMilli();

    private final Duration maxFuture;
    private final long maxFutureMs;
    private final Clock clock;

    @Inject
    public EventTimeBounds(EventTimeProperties properties) {
        this(properties.maxFuture(), Clock.systemUTC());
    }

    public EventTimeBounds(Duration maxFuture, Clock clock) {
        this.maxFuture = maxFuture;
        this.maxFutureMs = maxFuture.toMillis();
        this.clock = clock;
    }

    /** The defaults: 1 h ahead of the system clock at most. */
    public static EventTimeBounds defaults() {
        return new EventTimeBounds(Duration.ofHours(1), Clock.systemUTC());
    }

    public Duration maxFuture() {
        return maxFuture;
    }

    public boolean accepts(long epochMillis) {
        return epochMillis >= EARLIEST_MS && epochMillis - clock.millis() <= maxFutureMs;
    }

    /**
     * Why {@code epochMillis} is not an event time Pulse accepts, as "expected …, got …", or {@code null} when it
     * is one.
     */
    public String rejection(long epochMillis) {
        if (epochMillis < EARLIEST_MS) {
            return "expected a time from " + EARLIEST + " on, got " + Instant.ofEpochMilli(epochMillis);
        }
        long now = clock.millis();
        if (epochMillis - now > maxFutureMs) {
            return "expected a time at most " + human(maxFuture) + " ahead of the clock (" + Instant.ofEpochMilli(now)
                + "), got " + Instant.ofEpochMilli(epochMillis);
        }
        return null;
    }

    /**
     * Why the Kafka record timestamp of an event without a {@code timestamp} of its own cannot be its event time,
     * or {@code null} when it can.
     */
    public String recordTimeRejection(long recordTimestampMs) {
        String rejection = rejection(recordTimestampMs);
        return rejection == null ? null
            : "no 'timestamp' in the value, so the Kafka record timestamp is the event time: " + rejection;
    }

    /** {@code 1 h}, {@code 90 min}, {@code 30 s}, {@code 250 ms}. */
    static String human(Duration duration) {
        long ms = duration.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + " h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + " min";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + " s";
        }
        return ms + " ms";
    }
}
