package dev.pulse.testkit;

import dev.pulse.alerts.StateStore;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** {@link StateStore} in a map, for unit tests: the same contract as Redis, atomic by a lock. */
public class InMemoryStateStore implements StateStore {

    private final Map<String, String> values = new ConcurrentHashMap<>();
    public int casCalls;

    @Override
    public synchronized Map<String, String> getAll(Collection<String> keys) {
        Map<String, String> found = new HashMap<>();
        for (String key : keys) {
            if (values.containsKey(key)) {
                found.put(key, values.get(key));
            }
        }
        return found;
    }

    @Override
    public synchronized boolean compareAndSet(Map<String, String> expected, Map<String, String> updates) {
        casCalls++;
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (!Objects.equals(values.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        updates.forEach(this::put);
        return true;
    }

    @Override
    public synchronized void put(String key, String value) {
        if (value == null) {
            values.remove(key);
        } else {
            values.put(key, value);
        }
    }

    public String get(String key) {
        return values.get(key);
    }
}
