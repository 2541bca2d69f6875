package dev.pulse.alerts;

import java.util.Collection;
import java.util.Map;

/**
 * Where per-entity state (a device's alert episode, a card's history) lives outside the listener, so any instance
 * can take over a partition and continue. Values are opaque strings (JSON).
 */
public interface StateStore {

    /** @return the values of those keys that exist, in one round trip */
    Map<String, String> getAll(Collection<String> keys);

    /**
     * Atomically: if every key of {@code expected} holds exactly its value ({@code null}: absent), applies
     * {@code updates} ({@code null} value: delete) and returns true; otherwise changes nothing and returns false.
     */
    boolean compareAndSet(Map<String, String> expected, Map<String, String> updates);

    /** Sets or (with {@code null}) deletes one key. */
    void put(String key, String value);
}
