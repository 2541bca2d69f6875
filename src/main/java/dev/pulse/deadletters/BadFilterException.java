package dev.pulse.deadletters;

/** A dead-letter filter or request that cannot be served as asked; the message is the reason the caller gets. */
public class BadFilterException extends RuntimeException {

    public BadFilterException(String reason) {
        super(reason, null, false, false);
    }
}
