package dev.pulse.aggregates;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The newest records of each group of a stream, at most N per group, kept by Kafka Streams in a persistent,
 * changelogged key-value store, so that any instance that holds (or restores) the store answers the same lists as one
 * that has run all along: a user's latest enriched clicks ({@link AggregateStores#RECENT_ENRICHED_CLICKS}, grouped by
 * the record key) and each partition's latest click→purchase matches ({@link AggregateStores#RECENT_CONVERSIONS},
 * grouped by the task's partition). Newest first means by record timestamp, then by the order the task processed the
 * records in, which is their order on the output topic's partition: the order a reader of that topic would give them.
 *
 * <p>One store entry per record rather than one list per group: a record costs one write and, once its group is full,
 * one delete, in the store and in its changelog, whatever N is. A list per user rewritten on every click would write N
 * clicks' bytes to the changelog per click, and a list of large clicks could outgrow the changelog's record size limit.
 *
 * <p>Layout. Keys are bytes and carry no format version: they decide the order (a key change is a new store).
 * <ul>
 * <li>A record: {@code 0x01}, the group's UTF-8 length (4 bytes) and bytes, then its position, encoded so that byte
 *     order is newest first: the record timestamp, then the group's sequence number, each as the 8 bytes of
 *     {@code ~(n ^ Long.MIN_VALUE)}. Value: the record's value as it went to the output topic.</li>
 * <li>A group's bookkeeping: {@code 0x00}, the group's length and bytes. Value: how many records the group holds
 *     (4 bytes) and its next sequence number (8 bytes), so the sequence goes on after a restart or a move.</li>
 * </ul>
 * Values go through {@link VersionedSerde}.
 */
public final class LatestRecords {

    /** How the records of a stream are grouped. */
    enum Grouping {
        /** By record key (a user). */
        KEY,
        /** By the partition of the task that processes them: a task's latest records, whatever their keys. */
        PARTITION
    }

    /** A kept record: its group, its position (record timestamp, then sequence number within the group), its value. */
    public record Entry(String group, long timestamp, long sequence, byte[] value) {
    }

    private static final byte BOOKKEEPING = 0x00;
    private static final byte RECORD = 0x01;
    private static final int POSITION = 2 * Long.BYTES;

    private LatestRecords() {
    }

    /** The processor that keeps the newest {@code perGroup} records of each group in {@code store}, with that store. */
    static ProcessorSupplier<String, byte[], Void, Void> keeper(String store, int perGroup, Grouping grouping) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, byte[], Void, Void> get() {
                return new Keeper(store, perGroup, grouping);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                // Cached like the DSL's stores: the bookkeeping of a busy group reaches the changelog once per commit.
                return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.Bytes(),
                    VersionedSerde.of(store, Serdes.ByteArray())).withCachingEnabled());
            }
        };
    }

    /** The newest {@code max} records of {@code group}, newest first. */
    public static List<Entry> newest(ReadOnlyKeyValueStore<Bytes, byte[]> store, String group, int max) {
        byte[] name = group.getBytes(StandardCharsets.UTF_8);
        List<Entry> out = new ArrayList<>();
        if (max <= 0) {
            return out;
        }
        try (KeyValueIterator<Bytes, byte[]> it = store.range(firstOf(name), lastOf(name))) {
            while (it.hasNext() && out.size() < max) {
                KeyValue<Bytes, byte[]> kv = it.next();
                out.add(entry(kv.key.get(), kv.value));
            }
        }
        return out;
    }

    /** The newest {@code max} records of every group in {@code store}, group after group, each newest first. */
    public static List<Entry> newestOfEveryGroup(ReadOnlyKeyValueStore<Bytes, byte[]> store, int max) {
        List<Entry> out = new ArrayList<>();
        Map<String, Integer> taken = new HashMap<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.range(Bytes.wrap(new byte[] {RECORD}),
            Bytes.wrap(new byte[] {RECORD + 1}))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                Entry entry = entry(kv.key.get(), kv.value);
                if (taken.merge(entry.group(), 1, Integer::sum) <= max) {
                    out.add(entry);
                }
            }
        }
        return out;
    }

    /**
     * A record of {@code store}'s changelog ({@code <application id>-<store>-changelog}, written as the store is), read
     * as the store holds it: the kept record its key names, with a null value when the record is a tombstone (the
     * record left the store); null for a group's bookkeeping, which is no record.
     */
    public static Entry fromChangelog(String store, byte[] key, byte[] value) {
        if (key == null || key.length == 0 || key[0] != RECORD) {
            return null;
        }
        return entry(key, value == null ? null
            : VersionedSerde.of(store, Serdes.ByteArray()).deserializer().deserialize(store, value));
    }

    private static final class Keeper implements Processor<String, byte[], Void, Void> {

        private final String storeName;
        private final int perGroup;
        private final Grouping grouping;
        private ProcessorContext<Void, Void> context;
        private KeyValueStore<Bytes, byte[]> store;

        Keeper(String storeName, int perGroup, Grouping grouping) {
            this.storeName = storeName;
            this.perGroup = perGroup;
            this.grouping = grouping;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.context = context;
            this.store = context.getStateStore(storeName);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            String group = grouping == Grouping.KEY ? record.key() : Integer.toString(context.taskId().partition());
            if (group == null || record.value() == null) {
                return;
            }
            byte[] name = group.getBytes(StandardCharsets.UTF_8);
            Bytes bookkeepingKey = key(BOOKKEEPING, name, 0);
            byte[] bookkeeping = store.get(bookkeepingKey);
            ByteBuffer held = bookkeeping == null ? null : ByteBuffer.wrap(bookkeeping);
            int count = held == null ? 0 : held.getInt();
            long sequence = held == null ? 0 : held.getLong();

            // In first, then the oldest out: a reader between the two sees N + 1 records, of which the newest N are
            // the right answer (readers cut at N); the other way round it would see N - 1.
            store.put(recordKey(name, record.timestamp(), sequence), record.value());
            count++;
            if (count > perGroup) {
                List<Bytes> oldest = new ArrayList<>();
                try (KeyValueIterator<Bytes, byte[]> it = store.reverseRange(firstOf(name), lastOf(name))) {
                    while (it.hasNext() && oldest.size() < count - perGroup) {
                        oldest.add(it.next().key);
                    }
                }
                oldest.forEach(store::delete);
                count -= oldest.size();
            }
            store.put(bookkeepingKey, ByteBuffer.allocate(Integer.BYTES + Long.BYTES).putInt(count)
                .putLong(sequence + 1).array());
        }
    }

    static Bytes recordKey(byte[] group, long timestamp, long sequence) {
        ByteBuffer key = ByteBuffer.wrap(key(RECORD, group, POSITION).get());
        key.position(key.capacity() - POSITION);
        key.putLong(newestFirst(timestamp)).putLong(newestFirst(sequence));
        return Bytes.wrap(key.array());
    }

    /** Before every record of {@code group}: its prefix. */
    private static Bytes firstOf(byte[] group) {
        return key(RECORD, group, 0);
    }

    /** The largest key a record of {@code group} can have. */
    private static Bytes lastOf(byte[] group) {
        byte[] key = key(RECORD, group, POSITION).get();
        Arrays.fill(key, key.length - POSITION, key.length, (byte) 0xFF);
        return Bytes.wrap(key);
    }

    private static Bytes key(byte kind, byte[] group, int extra) {
        return Bytes.wrap(ByteBuffer.allocate(1 + Integer.BYTES + group.length + extra)
            .put(kind).putInt(group.length).put(group).array());
    }

    private static Entry entry(byte[] key, byte[] value) {
        ByteBuffer in = ByteBuffer.wrap(key);
        in.get();
        int length = in.getInt();
        String group = new String(key, in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return new Entry(group, newestFirst(in.getLong()), newestFirst(in.getLong()), value);
    }

    /** Reverses the order of longs and makes their big-endian bytes sort as the numbers do: its own inverse. */
    private static long newestFirst(long n) {
        return ~(n ^ Long.MIN_VALUE);
    }
}
