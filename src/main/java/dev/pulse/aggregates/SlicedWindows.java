package dev.pulse.aggregates;

import dev.pulse.events.SensorReading;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.TimeWindow;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;
import org.apache.kafka.streams.processor.internals.metrics.TaskMetrics;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Hopping windows ({@code size}, advancing by {@code advance}, accepting records for {@code grace} after their end)
 * kept as slices: each reading updates the one slice it falls in ({@link DeviceSlice}, in a window store by slice
 * start), and a window's value is combined from its slices when it is emitted or read. Same windows, same values and
 * same late-record rule as Kafka Streams' hopping window aggregate: a window closes when the processor's stream time
 * (the latest record timestamp it has seen, kept in memory as Streams does) passes its end plus grace; a reading
 * counts in its windows still open and is counted once per closed window it falls in, in the task's
 * {@code dropped-records} metric. Sums may differ from the hopping aggregate's in the last bits: the readings are
 * added in another order.
 *
 * <p>Emissions are those of the hopping aggregate behind the record cache, as production runs it: each window that
 * changed is emitted once per commit interval with its value then and its readings' latest record timestamp, not
 * once per reading. A reading marks its slice pending from the earliest window it changed
 * ({@link DeviceSlice#pendingFrom}), and a wall-clock punctuation every commit interval emits the pending windows of
 * every pending slice, each window once, and marks the slices clean. Emitting from the punctuation puts the records
 * in the same transaction as the slices marked clean, and the pending mark is in the store, written in the
 * transaction of the reading: under exactly-once a crash between the two loses nothing and repeats nothing, and a
 * restarted or moved task finds its pending slices in its restored store ({@link Processor#init} reads them, in one
 * pass over the task's slices: the store's retention of them).
 */
final class SlicedWindows {

    private final long sizeMs;
    private final long advanceMs;
    private final long sliceMs;
    private final long graceMs;

    SlicedWindows(Duration size, Duration advance, Duration grace) {
        this.sizeMs = size.toMillis();
        this.advanceMs = advance.toMillis();
        this.graceMs = grace.toMillis();
        long a = sizeMs;
        long b = advanceMs;
        while (b != 0) {
            long r = a % b;
            a = b;
            b = r;
        }
        this.sliceMs = a;
    }

    long sliceMs() {
        return sliceMs;
    }

    /** The earliest window holding {@code timestamp}, as Streams' {@code TimeWindows.windowsFor} finds it (no negative starts). */
    static long firstWindowContaining(long timestamp, long sizeMs, long advanceMs) {
        return Math.max(0, timestamp - sizeMs + advanceMs) / advanceMs * advanceMs;
    }

    /** The processor: device id → reading in, {@code Windowed<device id>} → {@link Stats} of each changed window out. */
    Processor processor(String storeName) {
        return new Processor(storeName);
    }

    final class Processor extends ContextualProcessor<String, SensorReading, Windowed<String>, Stats> {

        private final String storeName;
        private WindowStore<String, DeviceSlice> slices;
        private Sensor droppedRecords;
        private long observedStreamTime = -1;
        /** The pending slices' starts by device, as the store marks them. */
        private final Map<String, TreeSet<Long>> pending = new HashMap<>();

        private Processor(String storeName) {
            this.storeName = storeName;
        }

        @Override
        public void init(ProcessorContext<Windowed<String>, Stats> context) {
            super.init(context);
            slices = context.getStateStore(storeName);
            // The sensor Streams' own window aggregates count late records in, so the metric keeps its meaning.
            droppedRecords = TaskMetrics.droppedRecordsSensor(Thread.currentThread().getName(),
                context.taskId().toString(), (StreamsMetricsImpl) context.metrics());
            // Slices left pending by the last commit before a restart or a move (the store is restored by now).
            try (KeyValueIterator<Windowed<String>, DeviceSlice> it = slices.all()) {
                while (it.hasNext()) {
                    KeyValue<Windowed<String>, DeviceSlice> slice = it.next();
                    if (slice.value.isPending()) {
                        markPending(slice.key.key(), slice.key.window().start());
                    }
                }
            }
            context.schedule(PartitionListPublisher.commitInterval(context.appConfigs()), PunctuationType.WALL_CLOCK_TIME,
                now -> emitPending());
        }

        @Override
        public void process(Record<String, SensorReading> record) {
            String device = record.key();
            if (device == null) {
                droppedRecords.record();
                return;
            }
            long timestamp = record.timestamp();
            observedStreamTime = Math.max(observedStreamTime, timestamp);
            long closeTime = observedStreamTime - graceMs;
            if (timestamp < 0) {
                return; // in no window, as in TimeWindows.windowsFor
            }
            long first = firstWindowContaining(timestamp, sizeMs, advanceMs);
            long last = timestamp / advanceMs * advanceMs;
            // Windows end at start + size, open while end > closeTime: the earliest open start is the first multiple
            // of advance above closeTime - size.
            long firstOpen = Math.max(first, Math.floorDiv(closeTime - sizeMs, advanceMs) * advanceMs + advanceMs);
            for (long start = first; start < firstOpen && start <= last; start += advanceMs) {
                droppedRecords.record();
            }
            if (firstOpen > last) {
                return;
            }
            long sliceStart = timestamp / sliceMs * sliceMs;
            DeviceSlice held = slices.fetch(device, sliceStart);
            slices.put(device, (held == null ? DeviceSlice.empty() : held)
                .add(firstOpen, record.value().temperature(), timestamp), sliceStart);
            markPending(device, sliceStart);
        }

        private void markPending(String device, long sliceStart) {
            pending.computeIfAbsent(device, d -> new TreeSet<>()).add(sliceStart);
        }

        /** Emits each pending window once, in order of device and window start, and marks its slices clean. */
        private void emitPending() {
            for (Map.Entry<String, TreeSet<Long>> entry : pending.entrySet()) {
                String device = entry.getKey();
                TreeSet<Long> starts = entry.getValue();
                TreeMap<Long, DeviceSlice> around = new TreeMap<>();
                try (WindowStoreIterator<DeviceSlice> it = slices.fetch(device,
                        firstWindowContaining(starts.first(), sizeMs, advanceMs),
                        starts.last() / advanceMs * advanceMs + sizeMs - sliceMs)) {
                    while (it.hasNext()) {
                        KeyValue<Long, DeviceSlice> slice = it.next();
                        around.put(slice.key, slice.value);
                    }
                }
                TreeSet<Long> windows = new TreeSet<>();
                for (long sliceStart : starts) {
                    DeviceSlice slice = around.get(sliceStart);
                    if (slice == null || !slice.isPending()) {
                        continue; // gone past the store's retention
                    }
                    long from = Math.max(slice.pendingFrom(), firstWindowContaining(sliceStart, sizeMs, advanceMs));
                    for (long start = from; start <= sliceStart / advanceMs * advanceMs; start += advanceMs) {
                        windows.add(start);
                    }
                    slices.put(device, slice.clean(), sliceStart);
                }
                for (long start : windows) {
                    DeviceSlice.Window window = DeviceSlice.window(start, sizeMs, around);
                    if (window != null) {
                        context().forward(new Record<>(new Windowed<>(device, new TimeWindow(start, start + sizeMs)),
                            window.stats(), window.latestTimestamp()));
                    }
                }
            }
            pending.clear();
        }
    }
}
