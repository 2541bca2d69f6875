package dev.pulse.dashboard;

import io.micronaut.core.annotation.Nullable;

/**
 * The instance that holds the key asked for, or one that holds part of a read across keys, could not answer: the read
 * is a 503 with {@code Retry-After} and the reason, never a partial answer.
 */
public class PeerUnavailableException extends RuntimeException {

    public PeerUnavailableException(String reason, @Nullable Throwable cause) {
        super(reason, cause, false, false);
    }
}
