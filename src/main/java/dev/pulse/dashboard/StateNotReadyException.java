package dev.pulse.dashboard;

/** A Kafka Streams store cannot be queried yet (starting, rebalancing or restoring): a 503. */
public class StateNotReadyException extends RuntimeException {

    public StateNotReadyException(String store) {
        super("state store '" + store + "' is not queryable yet (the Streams application is starting or rebalancing)",
            null, false, false);
    }
}
