package dev.pulse.alerts;

import io.micronaut.core.annotation.Nullable;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

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
     * Written keys expire after the store's TTL without updates.
     */
    boolean compareAndSet(Map<String, String> expected, Map<String, String> updates);

    /**
     * As {@link #compareAndSet(Map, Map)}, keeping the keys of {@code keeping} as it says. A store without expiry
     * and lists may ignore {@code keeping}.
     */
    default boolean compareAndSet(Map<String, String> expected, Map<String, String> updates, Keeping keeping) {
        return compareAndSet(expected, updates);
    }

    /** @return the members of a list that {@link Keeping} maintains (an empty set when it has none) */
    default Set<String> listed(String list) {
        return Set.of();
    }

    /** Sets or (with {@code null}) deletes one key. */
    void put(String key, String value);

    /**
     * Whether a reader that has another source should not ask now: the store failed just before (a read must not
     * wait out a timeout for each question while it is away).
     */
    default boolean away() {
        return false;
    }

    /**
     * How a compare-and-set keeps the keys it compares or writes.
     *
     * @param permanent  keys kept until deleted: written without expiry, and an expiry an earlier write gave one of
     *                   them is removed even when its value does not change; every other written key expires
     * @param listPrefix keys under this prefix are members of {@code list} (as the rest of the key after the
     *                   prefix) exactly while they are permanent; {@code null}: no list
     * @param list       the key of that list (a set)
     */
    record Keeping(Set<String> permanent, @Nullable String listPrefix, @Nullable String list) {

        public static final Keeping EXPIRING = new Keeping(Set.of(), null, null);

        public Keeping {
            permanent = Set.copyOf(permanent);
            if ((listPrefix == null) != (list == null)) {
                throw new IllegalArgumentException("a list needs both its prefix and its key");
            }
        }
    }
}
