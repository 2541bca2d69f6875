package dev.pulse.testkit;

import dev.pulse.alerts.StateStore;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link StateStore} in a map, for unit tests: the same contract as Redis, atomic by a lock. Nothing expires; the
 * keys a compare-and-set keeps permanently are remembered ({@link #permanent}) and listed as Redis lists them.
 */
public class InMemoryStateStore implements StateStore {

    private final Map<String, String> values = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> lists = new ConcurrentHashMap<>();
    private final Set<String> permanent = ConcurrentHashMap.newKeySet();
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
        return compareAndSet(expected, updates, Keeping.EXPIRING);
    }

    @Override
    public synchronized boolean compareAndSet(Map<String, String> expected, Map<String, String> updates,
                                              Keeping keeping) {
        casCalls++;
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (!Objects.equals(values.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        updates.forEach(this::put);
        Set<String> touched = new HashSet<>(expected.keySet());
        touched.addAll(updates.keySet());
        for (String key : touched) {
            boolean kept = keeping.permanent().contains(key) && values.containsKey(key);
            if (kept) {
                permanent.add(key);
            } else if (updates.containsKey(key)) {
                permanent.remove(key);
            }
            if (keeping.list() != null && key.startsWith(keeping.listPrefix())) {
                Set<String> list = lists.computeIfAbsent(keeping.list(), l -> ConcurrentHashMap.newKeySet());
                String member = key.substring(keeping.listPrefix().length());
                if (kept) {
                    list.add(member);
                } else {
                    list.remove(member);
                }
            }
        }
        return true;
    }

    @Override
    public synchronized Set<String> listed(String list) {
        return Set.copyOf(lists.getOrDefault(list, Set.of()));
    }

    @Override
    public synchronized void put(String key, String value) {
        if (value == null) {
            values.remove(key);
            permanent.remove(key);
        } else {
            values.put(key, value);
        }
    }

    public String get(String key) {
        return values.get(key);
    }

    /** @return whether the key is kept without expiry (as Redis would keep it) */
    public boolean permanent(String key) {
        return permanent.contains(key);
    }
}
