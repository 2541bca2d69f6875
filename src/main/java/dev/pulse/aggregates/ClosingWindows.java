package dev.pulse.aggregates;

import dev.pulse.metrics.PulseMetrics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Aggregator;
import org.apache.kafka.streams.kstream.Initializer;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedWindowStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * A tumbling event-time window aggregate per key that emits each window's final result once, when the window
 * closes: when its task's stream time passes the window's end plus grace (as {@code suppress(untilWindowCloses)}
 * would), or, when no record has moved that stream time for longer than {@code idleCloseAfter}, when the wall clock
 * does, so a producer that stops still gets its final windows. A record for a window that has closed either way
 * changes nothing: it is dropped and counted in Kafka Streams' task-level {@code dropped-records} metric and in
 * {@code pulse_late_records_total{aggregate}}.
 *
 * <p>Input: key → value, in event time (the record time). Output: {@code Windowed<key>} → aggregate, with the
 * window's latest record time as record time, in order of window end, then key.
 *
 * <p>State, all of it changelogged so that a restart (or a task moving to another instance) neither emits a
 * window again nor forgets one, and written in the same transaction as the output under {@code exactly_once_v2}:
 * <ul>
 * <li>{@link Spec#windowStore}: a timestamped window store, key → aggregate per window (open and closed windows,
 *     for interactive queries);</li>
 * <li>{@link Spec#emittedStore}: key → end (epoch ms) of the key's last emitted window. Windows of a key close in
 *     order of their end, so a stored window is closed exactly when its end is at most that;</li>
 * <li>{@link Spec#clockStore}: the {@link WindowClock} (the task's stream time, the wall-clock time it last advanced,
 *     and the close time): every window whose end plus grace is at most the close time has been emitted (and is
 *     closed).</li>
 * </ul>
 */
final class ClosingWindows<V, A> implements Processor<String, V, Windowed<String>, A> {

    private static final Logger LOG = LoggerFactory.getLogger(ClosingWindows.class);
    private static final Serde<String> STRINGS = Serdes.String();
    private static final long NONE = WindowClock.NONE;

    /**
     * What to aggregate and where.
     *
     * @param aggregate      names the aggregate in metrics and logs (its output topic)
     * @param idleCloseAfter how long stream time must stand still before the wall clock closes windows
     * @param idleCloseCheck how often the wall clock is looked at
     * @param retention      how long the window store keeps windows for queries
     */
    record Spec<V, A>(String aggregate, String windowStore, String emittedStore, String clockStore,
                      Duration size, Duration grace, Duration idleCloseAfter, Duration idleCloseCheck,
                      Duration retention, Initializer<A> initializer, Aggregator<String, V, A> aggregator,
                      Serde<A> aggregateSerde, PulseMetrics metrics) {
    }

    /** The processor with its three stores, which {@code KStream#process} adds to the topology. */
    static <V, A> ProcessorSupplier<String, V, Windowed<String>, A> supplier(Spec<V, A> spec) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, V, Windowed<String>, A> get() {
                return new ClosingWindows<>(spec);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(
                    // As the DSL's windowed aggregate builds it (same retention, size and segments), so the
                    // state of a deployment that ran the DSL version stays readable.
                    Stores.timestampedWindowStoreBuilder(Stores.persistentTimestampedWindowStore(spec.windowStore(),
                        spec.retention(), spec.size(), false), STRINGS, spec.aggregateSerde()).withCachingEnabled(),
                    Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(spec.emittedStore()), STRINGS,
                            VersionedSerde.longs(spec.emittedStore()))
                        .withCachingEnabled(),
                    WindowClock.storeBuilder(spec.clockStore()));
            }
        };
    }

    private final Spec<V, A> spec;
    private final long sizeMs;
    private final long graceMs;
    private final WindowClock clock;

    private ProcessorContext<Windowed<String>, A> context;
    private TimestampedWindowStore<String, A> windows;
    private KeyValueStore<String, Long> emitted;

    private ClosingWindows(Spec<V, A> spec) {
        this.spec = spec;
        this.sizeMs = spec.size().toMillis();
        this.graceMs = spec.grace().toMillis();
        this.clock = new WindowClock(spec.aggregate(), spec.size(), spec.grace(), spec.idleCloseAfter(),
            spec.metrics());
    }

    @Override
    public void init(ProcessorContext<Windowed<String>, A> context) {
        this.context = context;
        this.windows = context.getStateStore(spec.windowStore());
        this.emitted = context.getStateStore(spec.emittedStore());
        clock.init(context, spec.clockStore(), spec.idleCloseCheck(), this::emitClosed);
        if (clock.isEmpty()) {
            takeOverFromSuppress();
        }
    }

    @Override
    public void process(Record<String, V> record) {
        long time = record.timestamp();
        long start = clock.admit(record.key(), time);
        if (start != NONE) {
            ValueAndTimestamp<A> held = windows.fetch(record.key(), start);
            A aggregate = spec.aggregator().apply(record.key(), record.value(),
                held == null ? spec.initializer().apply() : held.value());
            windows.put(record.key(), ValueAndTimestamp.make(aggregate,
                held == null ? time : Math.max(held.timestamp(), time)), start);
        }
        clock.closeByStreamTime();
    }

    /** Emits every window whose end plus grace lies in ({@code previousCloseTime}, {@code closeTime}]. */
    private void emitClosed(long previousCloseTime, long closeTime) {
        long lastStart = closeTime - graceMs - sizeMs;
        long firstStart = previousCloseTime == NONE ? 0 : Math.max(0, previousCloseTime - graceMs - sizeMs + 1);
        if (lastStart < firstStart) {
            return;
        }
        List<KeyValue<Windowed<String>, ValueAndTimestamp<A>>> closing = new ArrayList<>();
        try (KeyValueIterator<Windowed<String>, ValueAndTimestamp<A>> it =
                 windows.fetchAll(Instant.ofEpochMilli(firstStart), Instant.ofEpochMilli(lastStart))) {
            it.forEachRemaining(closing::add);
        }
        // The store iterates by segment and key; the output goes by window end, then key.
        closing.sort(Comparator.<KeyValue<Windowed<String>, ValueAndTimestamp<A>>>comparingLong(
            kv -> kv.key.window().start()).thenComparing(kv -> kv.key.key()));
        for (KeyValue<Windowed<String>, ValueAndTimestamp<A>> window : closing) {
            context.forward(new Record<>(window.key, window.value.value(), window.value.timestamp()));
            emitted.put(window.key.key(), window.key.window().end());
        }
    }

    /**
     * The first start on windows written without this processor's clock (by the DSL's windowed aggregate and
     * {@code suppress(untilWindowCloses)}, which emitted every window whose end plus grace its stream time had
     * passed): takes the stream time as the latest record time in the windows and counts those windows as written,
     * so an upgrade writes none of them again. Nothing to do on an empty store.
     */
    private void takeOverFromSuppress() {
        long latest = NONE;
        try (KeyValueIterator<Windowed<String>, ValueAndTimestamp<A>> it = windows.all()) {
            while (it.hasNext()) {
                latest = Math.max(latest, it.next().value.timestamp());
            }
        }
        if (latest == NONE) {
            return;
        }
        long lastClosedStart = latest - graceMs - sizeMs;
        if (lastClosedStart >= 0) {
            try (KeyValueIterator<Windowed<String>, ValueAndTimestamp<A>> it =
                     windows.fetchAll(Instant.EPOCH, Instant.ofEpochMilli(lastClosedStart))) {
                it.forEachRemaining(window -> emitted.put(window.key.key(),
                    Math.max(window.key.window().end(), emittedEnd(window.key.key()))));
            }
        }
        clock.takeOver(latest);
        LOG.info("{}: took over windows up to stream time {} from an earlier build; those it had closed are not "
            + "written again", spec.aggregate(), Instant.ofEpochMilli(latest));
    }

    private long emittedEnd(String key) {
        Long end = emitted.get(key);
        return end == null ? NONE : end;
    }
}
