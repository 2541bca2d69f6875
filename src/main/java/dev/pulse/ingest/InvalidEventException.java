package dev.pulse.ingest;

/** An ingest request that cannot be accepted; its message is the reason given to the caller. */
public class InvalidEventException extends RuntimeException {

    public InvalidEventException(String reason) {
        super(reason, null, false, false);
    }
}
