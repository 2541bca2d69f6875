package dev.pulse.dashboard;

/** State a read needs cannot answer yet (a Kafka Streams store starting, rebalancing or restoring; a view filling): a 503. */
public class StateNotReadyException extends RuntimeException {

    public StateNotReadyException(String store) {
        this("state store '" + store + "' is not queryable yet (the Streams application is starting or rebalancing)",
            true);
    }

    private StateNotReadyException(String reason, boolean unused) {
        super(reason, null, false, false);
    }

    /** Not ready for {@code reason}, which the 503 says. */
    public static StateNotReadyException because(String reason) {
        return new StateNotReadyException(reason, true);
    }
}
