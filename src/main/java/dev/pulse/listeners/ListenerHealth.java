package dev.pulse.listeners;

import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each transactional listener last did, for {@link ListenerHealthIndicator}: the thread it polls on, since
 * when it has been failing and why. Written from the listeners' poll threads, read by health checks.
 */
@Singleton
public class ListenerHealth {

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Clock clock;

    public ListenerHealth() {
        this(Clock.systemUTC());
    }

    ListenerHealth(Clock clock) {
        this.clock = clock;
    }

    /** The listener polls on the current thread (called when partitions are assigned and per batch). */
    public void polling(String listener) {
        states.computeIfAbsent(listener, l -> new State()).thread = Thread.currentThread();
    }

    /** A batch starts. */
    public void processing(String listener) {
        State state = states.computeIfAbsent(listener, l -> new State());
        state.thread = Thread.currentThread();
        state.batchSince = clock.instant();
    }

    public void succeeded(String listener, int records) {
        State state = states.computeIfAbsent(listener, l -> new State());
        state.batchSince = null;
        state.thread = Thread.currentThread();
        state.failingSince = null;
        state.lastError = null;
        state.lastSuccess = clock.instant();
        state.records += records;
    }

    public void failed(String listener, Throwable error) {
        State state = states.computeIfAbsent(listener, l -> new State());
        state.thread = Thread.currentThread();
        state.batchSince = null;
        if (state.failingSince == null) {
            state.failingSince = clock.instant();
        }
        state.lastError = error.getClass().getSimpleName() + ": " + error.getMessage();
    }

    /** @return per listener: {@code null} when healthy, else why not */
    public Map<String, String> problems(Duration stuckAfter) {
        Map<String, String> problems = new LinkedHashMap<>();
        Instant now = clock.instant();
        states.forEach((listener, state) -> {
            String problem = null;
            Thread thread = state.thread;
            if (thread != null && !thread.isAlive()) {
                problem = "its poll thread " + thread.getName() + " has stopped";
            } else if (state.failingSince != null && Duration.between(state.failingSince, now).compareTo(stuckAfter) > 0) {
                problem = "failing since " + state.failingSince + ": " + state.lastError;
            } else if (state.batchSince != null && Duration.between(state.batchSince, now).compareTo(stuckAfter) > 0) {
                problem = "processing one batch since " + state.batchSince;
            }
            problems.put(listener, problem);
        });
        return problems;
    }

    /** @return per listener: {@code null} while its poll thread lives, else that it stopped */
    public Map<String, String> deadThreads() {
        Map<String, String> problems = new LinkedHashMap<>();
        states.forEach((listener, state) -> {
            Thread thread = state.thread;
            problems.put(listener, thread != null && !thread.isAlive() ? "its poll thread " + thread.getName() + " has stopped" : null);
        });
        return problems;
    }

    public Map<String, Object> details(String listener) {
        State state = states.get(listener);
        Map<String, Object> details = new LinkedHashMap<>();
        if (state != null) {
            details.put("records", state.records);
            details.put("last_success", state.lastSuccess == null ? null : state.lastSuccess.toString());
            details.put("failing_since", state.failingSince == null ? null : state.failingSince.toString());
            details.put("last_error", state.lastError);
        }
        return details;
    }

    private static final class State {
        volatile Thread thread;
        volatile Instant failingSince;
        volatile Instant batchSince;
        volatile String lastError;
        volatile Instant lastSuccess;
        volatile long records;
    }
}
