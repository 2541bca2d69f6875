package dev.pulse.dashboard;

/** A dashboard request parameter out of its range; the message is the reason the caller gets. */
public class BadParameterException extends RuntimeException {

    public BadParameterException(String reason) {
        super(reason, null, false, false);
    }

    /** {@code value} when it lies in 1–1000, else the reason. */
    public static int checkLimit(String name, Integer value, int fallback) {
        int limit = value == null ? fallback : value;
        if (limit < 1 || limit > 1000) {
            throw new BadParameterException("'" + name + "' must be between 1 and 1000, got " + limit);
        }
        return limit;
    }

    /**
     * The largest time parameter (epoch seconds) taken, either side of 0: far beyond any window, and with room
     * for milliseconds in a long, which {@link java.time.Instant} and the window stores work in.
     */
    public static final long MAX_EPOCH_SECONDS = Long.MAX_VALUE / 4000;

    /** {@code value} (epoch seconds) when it lies within ±{@link #MAX_EPOCH_SECONDS}, {@code fallback} when absent. */
    public static long checkTime(String name, Long value, long fallback) {
        long time = value == null ? fallback : value;
        if (time < -MAX_EPOCH_SECONDS || time > MAX_EPOCH_SECONDS) {
            throw new BadParameterException("'" + name + "' must be epoch seconds within ±" + MAX_EPOCH_SECONDS
                + ", got " + time);
        }
        return time;
    }

    /** A {@code [from, to)} range of epoch seconds with {@code from < to}. */
    public static void checkRange(long from, long to) {
        if (from >= to) {
            throw new BadParameterException("'from' must be before 'to', got from=" + from + " to=" + to);
        }
    }
}
