package dev.pulse.aggregates;

import dev.pulse.metrics.PulseMetrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;
import org.apache.kafka.streams.processor.internals.metrics.TaskMetrics;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * When the tumbling event-time windows of one task close: when the task's stream time (the latest record time this
 * processor has seen) passes a window's end plus grace, or, when no record has moved that stream time for longer
 * than {@code idleCloseAfter}, when the wall clock does, so a producer that stops still gets its windows closed. A
 * record for a window that has closed either way is late: the clock drops it and counts it in Kafka Streams'
 * task-level {@code dropped-records} metric (where the DSL's window aggregates count theirs) and in
 * {@code pulse_late_records_total{aggregate}}.
 *
 * <p>Its state, in a changelogged key-value store of its own, so that a restart (or a task moving to another
 * instance) goes on where the last commit left it: the stream time ({@link #STREAM_TIME}), the wall-clock time it
 * last advanced ({@link #ADVANCED_AT}), and the close time ({@link #CLOSED_UP_TO}): every window whose end plus grace
 * is at most the close time is closed.
 *
 * <p>Used by the processors that own windows: {@link ClosingWindows} (which writes each window when it closes) and
 * {@link WindowGate} (which keeps late records away from a DSL window aggregate that writes every update).
 */
final class WindowClock {

    /** What the clock's owner does when windows close. */
    @FunctionalInterface
    interface Closer {
        /**
         * Windows whose end plus grace lies in ({@code previousCloseTime}, {@code closeTime}] have just closed.
         *
         * @param previousCloseTime the close time before, {@link #NONE} on a clock that never closed a window
         */
        void closed(long previousCloseTime, long closeTime);
    }

    static final long NONE = Long.MIN_VALUE;

    static final String STREAM_TIME = "stream-time";
    static final String ADVANCED_AT = "stream-time-advanced-at";
    static final String CLOSED_UP_TO = "closed-up-to";

    private static final Logger LOG = LoggerFactory.getLogger(WindowClock.class);

    private final String aggregate;
    private final long sizeMs;
    private final long graceMs;
    private final long idleMs;
    private final PulseMetrics metrics;

    private ProcessingContext context;
    private KeyValueStore<String, Long> store;
    private Closer closer;
    private Sensor dropped;
    private long streamTime;
    private long advancedAt;
    private long closedUpTo;

    /**
     * @param aggregate      names the aggregate in metrics and logs (its output topic)
     * @param idleCloseAfter how long stream time must stand still before the wall clock closes windows
     */
    WindowClock(String aggregate, Duration size, Duration grace, Duration idleCloseAfter, PulseMetrics metrics) {
        this.aggregate = aggregate;
        this.sizeMs = size.toMillis();
        this.graceMs = grace.toMillis();
        this.idleMs = idleCloseAfter.toMillis();
        this.metrics = metrics;
    }

    /** The clock's store, for the processor supplier's {@code stores()}. */
    static StoreBuilder<KeyValueStore<String, Long>> storeBuilder(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(),
            VersionedSerde.longs(name)).withCachingEnabled();
    }

    /**
     * Reads the clock as the last commit left it (the store is restored from its changelog before the processor's
     * {@code init}) and looks at the wall clock every {@code check}.
     *
     * @param closer told whenever windows close
     */
    void init(ProcessingContext context, String storeName, Duration check, Closer closer) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        this.closer = closer;
        this.streamTime = read(STREAM_TIME);
        this.advancedAt = read(ADVANCED_AT);
        this.closedUpTo = read(CLOSED_UP_TO);
        this.dropped = TaskMetrics.droppedRecordsSensor(Thread.currentThread().getName(), context.taskId().toString(),
            (StreamsMetricsImpl) context.metrics());
        context.schedule(check, PunctuationType.WALL_CLOCK_TIME, this::closeIfQuiet);
    }

    /** Whether the store held no clock: a first start, or state written before the clock existed. */
    boolean isEmpty() {
        return closedUpTo == NONE;
    }

    /** Starts an empty clock at {@code streamTime}, with every window closed that stream time closes. */
    void takeOver(long streamTime) {
        this.streamTime = streamTime;
        this.advancedAt = context.currentSystemTimeMs();
        this.closedUpTo = streamTime;
        store.put(STREAM_TIME, streamTime);
        store.put(ADVANCED_AT, advancedAt);
        store.put(CLOSED_UP_TO, closedUpTo);
    }

    /**
     * A record: moves stream time, and tells whether its window is open.
     *
     * @return the start of the record's window, or {@link #NONE} when the record is dropped: its window has closed
     *         (a late record, counted as such), or it has no key or no time
     */
    long admit(String key, long time) {
        if (key == null || time < 0) {
            dropped.record();
            return NONE;
        }
        if (time > streamTime) {
            streamTime = time;
            advancedAt = context.currentSystemTimeMs();
            store.put(STREAM_TIME, streamTime);
            store.put(ADVANCED_AT, advancedAt);
        }
        long start = time - time % sizeMs;
        if (start + sizeMs + graceMs <= Math.max(streamTime, closedUpTo)) {
            dropped.record();
            metrics.late(aggregate);
            LOG.debug("{}: dropped a late record of {} at {} for the closed window starting {}", aggregate, key, time,
                start);
            return NONE;
        }
        return start;
    }

    /** Closes what stream time has passed; called after each record. */
    void closeByStreamTime() {
        closeUpTo(streamTime);
    }

    /** The wall-clock punctuation: on a quiet task, the wall clock closes the windows stream time does not. */
    private void closeIfQuiet(long wallClockMs) {
        if (streamTime != NONE && wallClockMs - advancedAt > idleMs) {
            closeUpTo(wallClockMs);
        }
    }

    private void closeUpTo(long closeTime) {
        if (closeTime <= closedUpTo) {
            return;
        }
        closer.closed(closedUpTo, closeTime);
        closedUpTo = closeTime;
        store.put(CLOSED_UP_TO, closedUpTo);
    }

    private long read(String key) {
        Long value = store.get(key);
        return value == null ? NONE : value;
    }
}
