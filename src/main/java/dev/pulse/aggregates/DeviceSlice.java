package dev.pulse.aggregates;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;

/**
 * The readings of one device in one slice of {@code device-averages}' hopping windows (a slice is as long as the
 * greatest common divisor of window size and advance, 1 minute by default, so each window is a whole number of
 * slices and each slice lies in the same windows), the value of {@link AggregateStores#DEVICE_SLICES}.
 *
 * <p>A slice holds its readings in parts, by the earliest window they count in ({@link Part#fromWindow}): a reading
 * that arrives after some of its windows closed (past their grace) counts only in the windows still open then, as in
 * the hopping aggregate it replaces, so a closed window never changes. Almost every slice has a single part.
 *
 * <p>A slice also says which of its windows have changed since they were last written to {@code device-averages}
 * ({@link #pendingFrom}): the slices are the one record of what is still to be emitted, so that it is committed
 * with the changes themselves and survives a restart.
 *
 * <p>Binary layout (big-endian): layout byte, the earliest pending window start (long, {@link #CLEAN} for none),
 * number of parts (int), then per part the earliest window start and latest record timestamp (longs), count (long),
 * sum, min, max (doubles): 48 bytes a part. The store wraps it in {@link VersionedSerde}.
 */
public final class DeviceSlice {

    private static final byte LAYOUT = 1;
    private static final int HEADER_BYTES = 13;
    private static final int PART_BYTES = 48;

    /** {@link #pendingFrom} of a slice whose windows have all been emitted since it last changed. */
    static final long CLEAN = Long.MAX_VALUE;

    /**
     * Readings that count from the window starting at {@code fromWindow} on.
     *
     * @param latestTimestamp the latest record timestamp among them (a window's record carries its readings' latest)
     */
    public record Part(long fromWindow, long latestTimestamp, Stats stats) {
    }

    /** A window of {@code device-averages} as its slices give it. */
    public record Window(long start, long latestTimestamp, Stats stats) {
    }

    private static final DeviceSlice EMPTY = new DeviceSlice(new Part[0], CLEAN);

    private final Part[] parts;
    private final long pendingFrom;

    private DeviceSlice(Part[] parts, long pendingFrom) {
        this.parts = parts;
        this.pendingFrom = pendingFrom;
    }

    static DeviceSlice empty() {
        return EMPTY;
    }

    public List<Part> parts() {
        return List.of(parts);
    }

    /**
     * The start of the earliest window of this slice that changed since the windows were last emitted (every later
     * window of the slice changed too), or {@link #CLEAN}.
     */
    long pendingFrom() {
        return pendingFrom;
    }

    boolean isPending() {
        return pendingFrom != CLEAN;
    }

    /** This slice with its windows emitted. */
    DeviceSlice clean() {
        return pendingFrom == CLEAN ? this : new DeviceSlice(parts, CLEAN);
    }

    /**
     * This slice with a reading of {@code temperature} at {@code timestamp} that counts from window {@code fromWindow}
     * on; those windows are pending.
     */
    DeviceSlice add(long fromWindow, double temperature, long timestamp) {
        long pending = Math.min(pendingFrom, fromWindow);
        for (int i = 0; i < parts.length; i++) {
            Part part = parts[i];
            if (part.fromWindow() == fromWindow) {
                Part[] copy = parts.clone();
                copy[i] = new Part(fromWindow, Math.max(part.latestTimestamp(), timestamp), part.stats().add(temperature));
                return new DeviceSlice(copy, pending);
            }
        }
        Part[] copy = Arrays.copyOf(parts, parts.length + 1);
        copy[parts.length] = new Part(fromWindow, timestamp, Stats.empty().add(temperature));
        return new DeviceSlice(copy, pending);
    }

    /**
     * The window starting at {@code start}, of {@code sizeMs}, from the slices that lie in it (by slice start),
     * or {@code null} when no reading counts in it (the hopping store held no such window).
     */
    public static Window window(long start, long sizeMs, NavigableMap<Long, DeviceSlice> slices) {
        long count = 0;
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        long latest = Long.MIN_VALUE;
        for (DeviceSlice slice : slices.subMap(start, true, start + sizeMs, false).values()) {
            for (Part part : slice.parts) {
                if (part.fromWindow() <= start) {
                    Stats stats = part.stats();
                    count += stats.count();
                    sum += stats.sum();
                    min = Math.min(min, stats.min());
                    max = Math.max(max, stats.max());
                    latest = Math.max(latest, part.latestTimestamp());
                }
            }
        }
        return count == 0 ? null : new Window(start, latest, new Stats(count, sum, min, max));
    }

    /**
     * Every window that holds a reading, latest start first, from all the slices of a device: what the hopping
     * window store held for the device.
     */
    public static List<Window> windows(NavigableMap<Long, DeviceSlice> slices, long sizeMs, long advanceMs) {
        List<Window> windows = new ArrayList<>();
        if (slices.isEmpty()) {
            return windows;
        }
        long last = Math.floorDiv(slices.lastKey(), advanceMs) * advanceMs;
        long first = SlicedWindows.firstWindowContaining(slices.firstKey(), sizeMs, advanceMs);
        for (long start = last; start >= first; start -= advanceMs) {
            Window window = window(start, sizeMs, slices);
            if (window != null) {
                windows.add(window);
            }
        }
        return windows;
    }

    /** The slice's own layout, unversioned: {@link VersionedSerde} wraps it for the store. */
    static Serde<DeviceSlice> serde() {
        return Serdes.serdeFrom((topic, slice) -> {
            if (slice == null) {
                return null;
            }
            ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + PART_BYTES * slice.parts.length).put(LAYOUT)
                .putLong(slice.pendingFrom).putInt(slice.parts.length);
            for (Part part : slice.parts) {
                Stats stats = part.stats();
                out.putLong(part.fromWindow()).putLong(part.latestTimestamp()).putLong(stats.count())
                    .putDouble(stats.sum()).putDouble(stats.min()).putDouble(stats.max());
            }
            return out.array();
        }, (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer in = ByteBuffer.wrap(data);
            if (data.length < HEADER_BYTES || in.get() != LAYOUT) {
                throw new SerializationException("not a device slice of layout " + LAYOUT);
            }
            long pendingFrom = in.getLong();
            int n = in.getInt();
            if (n < 0 || data.length != HEADER_BYTES + PART_BYTES * n) {
                throw new SerializationException("a device slice of " + data.length + " bytes cannot hold " + n + " parts");
            }
            Part[] parts = new Part[n];
            for (int i = 0; i < n; i++) {
                parts[i] = new Part(in.getLong(), in.getLong(),
                    new Stats(in.getLong(), in.getDouble(), in.getDouble(), in.getDouble()));
            }
            return new DeviceSlice(parts, pendingFrom);
        });
    }
}
