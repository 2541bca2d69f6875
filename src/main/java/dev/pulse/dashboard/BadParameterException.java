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

    /** A {@code [from, to)} range of epoch seconds with {@code from < to}. */
    public static void checkRange(long from, long to) {
        if (from >= to) {
            throw new BadParameterException("'from' must be before 'to', got from=" + from + " to=" + to);
        }
    }
}
