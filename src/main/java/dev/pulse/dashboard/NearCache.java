package dev.pulse.dashboard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;

/**
 * This instance's copy of recent dashboard answers, in front of Redis ({@link DashboardCache}): a hot read is a map
 * lookup, with no network call and no work on the stream threads.
 *
 * <h2>When an entry is current</h2>
 * Every group of state ({@link CacheGroups}) has a local version, bumped by this instance's own
 * {@link DashboardFeedListener} (and {@link AlertHistoryReader} for the alert lists) when it sees a change of that
 * state, through {@link DashboardCache#changed}. An entry is stored with the version its group had <em>before</em>
 * the answer was fetched or computed (a {@link Stamp}), and is served only while its group's version is still that
 * one. So an answer is never served after this instance's feed has seen a change it does not show:
 * <ul>
 * <li><b>Computed from the stores before the change.</b> The feed reads a change only after it is in the stores
 *     (the Streams stores hold a record before its transaction commits; the feed reads {@code read_committed}), so
 *     its bump comes after the computation, hence after the stamp: the entry is out of date from that bump on.</li>
 * <li><b>Computed after the change, stamped before the feed saw it.</b> The answer shows more than its stamp says;
 *     the bump then discards an answer that was already right: a miss, never a stale hit.</li>
 * <li><b>Feed behind the stores.</b> Until this instance's feed reads a change, its entries go on showing the
 *     state before it, as the Redis tier's do until the first feed bumps Redis. The guarantee is per instance:
 *     each follows the committed outputs on its own, so an instance whose feed lags serves the state before a change
 *     while its feed lags (milliseconds when healthy; the replay and the rules below when it restarts).</li>
 * <li><b>Taken from Redis.</b> A Redis entry is current for the Redis version, which this instance bumps for a
 *     change between two local bumps ({@link DashboardCache#changed}: mark the group unannounced, bump locally, bump
 *     in Redis, bump locally again, mark it announced). A Redis entry read after the stamp either was read after this
 *     instance's Redis bump, so it shows the change, or before it, and then the second local bump, which follows the
 *     Redis bump, comes after the stamp and discards it. While a group's Redis bump has failed and not been retried,
 *     Redis may hold the answer before the change under its current version: {@link DashboardCache} does not take
 *     Redis entries of an unannounced group (checked after the Redis read; the group is marked before the first
 *     local bump, so a stamp taken after that bump sees the mark), and the retry that gets the bump to Redis bumps
 *     locally again.</li>
 * <li><b>Redis down.</b> Versions are local, so invalidation needs no Redis, and the first local bump does not wait
 *     for it: answers computed from state are kept here and discarded by the feed's bumps exactly as above. They are
 *     served only once Redis answers again: while it is away, {@link DashboardCache} computes every read from state
 *     and says so ({@code "source": "state"}), as readers of an outage expect. (A Redis
 *     that comes back with older data, restored from a snapshot, could serve answers older than their versions to
 *     both tiers; run it without persistence, as the cache needs none.)</li>
 * <li><b>The feed not following.</b> Until the feed has its partitions, and from the moment they are revoked or
 *     lost, nothing is stored or served ({@link #following}); each (re)assignment drops everything, since changes
 *     may have been missed meanwhile. The feed seeks a little before the end on assignment, so every change
 *     committed after it is read.</li>
 * </ul>
 *
 * <p>Versions are striped: a group's version is one of {@value #STRIPES} counters chosen by its name's hash, so the
 * memory they take is fixed however many words, users and devices there are; two groups sharing a counter only cost
 * each other extra misses. An epoch counter drops everything at once. Entries are bounded by their size
 * ({@code pulse.dashboard.near-cache-max-bytes}; least recently and least frequently used go first) and live at most
 * {@code pulse.dashboard.cache-ttl}.
 */
final class NearCache {

    static final int STRIPES = 4096;
    private static final int ENTRY_OVERHEAD = 96; // the entry object, the key's and the map node's headers

    private final Cache<String, Entry> entries;
    private final AtomicLongArray versions = new AtomicLongArray(STRIPES);
    private final AtomicLong epoch = new AtomicLong();
    private volatile boolean following;

    /** @param maxBytes the entries' estimated size at most; 0 turns the near cache off */
    NearCache(long maxBytes, Duration ttl) {
        this.entries = maxBytes <= 0 ? null : Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((String key, Entry entry) -> key.length() + entry.body.length() + ENTRY_OVERHEAD)
            .expireAfterWrite(ttl)
            .executor(Runnable::run) // evictions on the caller's thread: no pool of its own, and bounded at once
            .build();
    }

    /** What a read must take before it fetches or computes an answer, to store it here afterwards. */
    record Stamp(long epoch, int stripe, long version) {
    }

    /** Whether answers are kept at all (a size above 0). */
    boolean enabled() {
        return entries != null;
    }

    /** The current answer for {@code entry} of {@code group}, or null. */
    String get(String group, String entry) {
        if (entries == null || !following) {
            return null;
        }
        Entry found = entries.getIfPresent(key(group, entry));
        if (found == null) {
            return null;
        }
        if (current(found)) {
            return found.body;
        }
        return null;
    }

    /** The group's version now, or null when nothing may be stored (off, or the feed not following). */
    Stamp stamp(String group) {
        if (entries == null || !following) {
            return null;
        }
        int stripe = stripe(group);
        // The epoch first: an invalidation of everything between the two reads makes the stamp out of date.
        long e = epoch.get();
        return new Stamp(e, stripe, versions.get(stripe));
    }

    /** Keeps {@code body} for {@code entry} of {@code group} if nothing changed since {@code stamp} was taken. */
    void put(String group, String entry, Stamp stamp, String body) {
        if (stamp == null || entries == null) {
            return;
        }
        if (current(stamp)) {
            entries.put(key(group, entry), new Entry(stamp.epoch, stamp.stripe, stamp.version, body));
        }
    }

    /**
     * Replaces the answer kept for {@code entry} of {@code group} by {@code body} if nothing changed since
     * {@code stamp} was taken, unless the kept one is still current: one computed from the stores after the stamp's
     * change may show more than {@code body} (the stores hold a commit's changes before the feed reads them), and a
     * reader must not see an answer go back. Keeps nothing for an entry no read has put here (or since evicted): a
     * key nobody reads would only push out answers that are read, and {@code body} is not even built for it.
     */
    void offer(String group, String entry, Stamp stamp, Supplier<String> body) {
        if (stamp == null || entries == null || !current(stamp)) {
            return;
        }
        String key = key(group, entry);
        Entry held = entries.getIfPresent(key);
        if (held == null || current(held)) {
            return;
        }
        Entry offered = new Entry(stamp.epoch, stamp.stripe, stamp.version, body.get());
        entries.asMap().computeIfPresent(key, (k, now) -> current(now) ? now : offered);
    }

    /** Whether nothing the stamp covers has changed since it was taken. */
    boolean current(Stamp stamp) {
        return following && stamp.epoch == epoch.get() && stamp.version == versions.get(stamp.stripe);
    }

    /** Marks the groups' entries out of date: this instance has seen a change of what they show. */
    void changed(Collection<String> groups) {
        for (String group : groups) {
            versions.incrementAndGet(stripe(group));
        }
    }

    /** Drops every entry: what they show may have changed unseen. */
    void invalidateAll() {
        epoch.incrementAndGet();
        if (entries != null) {
            entries.invalidateAll();
        }
    }

    /**
     * Whether the feed follows every output partition: answers are kept and served only while it does. Either way
     * everything kept so far is dropped (changes may have gone unseen around an assignment).
     */
    void following(boolean now) {
        if (now) {
            invalidateAll();
            following = true;
        } else {
            following = false;
            invalidateAll();
        }
    }

    /** The group's local version (shared with the groups of its stripe), changed by every bump of it. */
    long version(String group) {
        return versions.get(stripe(group));
    }

    /** How many entries are kept, once pending evictions are done. */
    long size() {
        if (entries == null) {
            return 0;
        }
        entries.cleanUp();
        return entries.estimatedSize();
    }

    private boolean current(Entry entry) {
        return entry.epoch == epoch.get() && entry.version == versions.get(entry.stripe);
    }

    private static int stripe(String group) {
        return (group.hashCode() & Integer.MAX_VALUE) % STRIPES;
    }

    private static String key(String group, String entry) {
        return group + '\n' + entry;
    }

    private record Entry(long epoch, int stripe, long version, String body) {
    }
}
