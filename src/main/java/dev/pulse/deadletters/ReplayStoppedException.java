package dev.pulse.deadletters;

/**
 * A replay that stopped before its end: what it had committed by then is in {@link #sofar()} (and is final: a later
 * replay skips it). {@link #fenced()} when another replay of the same dead letters (another instance, or the command
 * line) took over; otherwise Kafka failed or a topic is missing.
 */
public class ReplayStoppedException extends RuntimeException {

    private final ReplayResult sofar;
    private final boolean fenced;

    public ReplayStoppedException(String message, ReplayResult sofar, boolean fenced, Throwable cause) {
        super(message, cause);
        this.sofar = sofar;
        this.fenced = fenced;
    }

    public ReplayResult sofar() {
        return sofar;
    }

    public boolean fenced() {
        return fenced;
    }
}
