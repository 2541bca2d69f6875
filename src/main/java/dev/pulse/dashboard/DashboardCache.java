package dev.pulse.dashboard;

import dev.pulse.redis.RedisConnector;
import dev.pulse.redis.RedisKeys;
import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The caches in front of every dashboard read: this instance's {@link NearCache}, then Redis.
 *
 * <p>An answer is cached under the current version of the group of state it shows (a word, a
 * user's sessions, the alert list…). {@link DashboardFeedListener} bumps a group's version whenever
 * that state changes, so a cached answer is never served after a change it does not show; the TTL
 * only bounds how long an unused entry occupies memory. One Lua call reads the version and the
 * entry together.
 *
 * <p>Keys: {@code <prefix>:dash:v:<group>} (the version) and {@code <prefix>:dash:e:<group>:<version>:<entry>}, with
 * the deployment's prefix ({@link RedisKeys}).
 *
 * <p>When Redis does not answer, reads are computed from the service's own state and say so
 * ({@code "source": "state"}); the next read tries Redis again, so caching resumes by itself.
 *
 * <p>In front of Redis, {@link NearCache} keeps answers in this instance's memory under local versions of the same
 * groups, bumped by {@link #changed} too; a near hit is a map lookup, also while Redis is away. Its answers say
 * {@code "source": "cache"} as Redis's do. Why an entry there never outlives a change this instance has seen, and
 * the order of bumps in {@link #changed} that this takes, are in {@link NearCache}. A group whose Redis bump failed
 * is "unannounced" until a later {@link #changed} gets it to Redis: meanwhile Redis may still hold the answer before
 * the change under its current version, so a Redis hit for that group is not trusted (the answer is computed).
 *
 * <p>Counters: {@code pulse.cache.hits} with {@code tier} {@code near} or {@code redis}, {@code pulse.cache.misses}
 * (answered from state), each per {@code endpoint}.
 */
@Singleton
public class DashboardCache {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardCache.class);
    private static final long FOLLOW_TIMEOUT_MS = 5_000;
    private static final int REDIS_HIT = 0;
    private static final int MISS = 1;
    private static final int NEAR_HIT = 2;
    private static final String READ_SCRIPT = """
        local version = redis.call('GET', KEYS[1]) or '0'
        return {version, redis.call('GET', ARGV[1] .. version .. ':' .. ARGV[2])}
        """;

    private final RedisConnector redis;
    private final String prefix;
    private final JsonMapper jsonMapper;
    private final long ttlMillis;
    private final MeterRegistry meters;
    private final Map<String, Counter[]> counters = new ConcurrentHashMap<>();
    private final AtomicBoolean available = new AtomicBoolean(true);
    private final Map<String, CompletableFuture<String>> inFlight = new ConcurrentHashMap<>();
    private final NearCache near;
    /** Groups whose change this instance has seen and not yet got to Redis, each with the call that saw it. */
    private final Map<String, Object> unannounced = new ConcurrentHashMap<>();
    private final Object announcing = new Object();
    private volatile String readSha;

    public DashboardCache(RedisConnector redis, RedisKeys keys, JsonMapper jsonMapper,
                          DashboardProperties properties, MeterRegistry meters) {
        this.redis = redis;
        this.prefix = keys.key("dash:");
        this.jsonMapper = jsonMapper;
        this.ttlMillis = properties.cacheTtl().toMillis();
        this.meters = meters;
        this.near = new NearCache(properties.nearCacheMaxBytes(), properties.cacheTtl());
    }

    /**
     * The answer for {@code entry} of {@code group}: from Redis when a current one is cached, else
     * computed by {@code state} (which must include {@code as_of}) and cached for the next reader.
     *
     * @param endpoint names the counters of hits and misses
     * @return the JSON body, with {@code source} set to {@code cache} or {@code state}
     */
    public String read(String endpoint, String group, String entry, Supplier<Map<String, Object>> state) {
        // While Redis is away every read is computed from state and says so, as the contract's readers (and the
        // fleet drill) expect of an outage; what is computed then is kept near for when Redis is back.
        String nearHit = redis.away() ? null : near.get(group, entry);
        if (nearHit != null) {
            count(endpoint, NEAR_HIT);
            return nearHit;
        }
        // Taken before Redis is asked or state is read: see NearCache.
        NearCache.Stamp stamp = near.stamp(group);
        String version = null;
        if (redis.skip()) {
            count(endpoint, MISS);
            return fromStateOnly(group, entry, stamp, state);
        }
        try {
            List<Object> found = redis.get().sync().evalsha(readSha(), ScriptOutputType.MULTI,
                new String[] {versionKey(group)}, prefix + "e:" + group + ":", entry);
            version = (String) found.get(0);
            String cached = (String) found.get(1);
            markAvailable(true);
            // Checked after the read: a change seen before it and not yet in Redis makes the entry suspect.
            if (cached != null && !unannounced.containsKey(group)) {
                count(endpoint, REDIS_HIT);
                near.put(group, entry, stamp, cached);
                return cached;
            }
        } catch (RuntimeException redisDown) {
            readSha = null; // reloaded on the next read: Redis may have restarted without its scripts
            markAvailable(false);
        }
        count(endpoint, MISS);
        if (version == null) {
            return fromStateOnly(group, entry, stamp, state);
        }
        // One computation per entry and version on this instance: the readers that miss together (every change of
        // a hot group is a miss for all its readers at once) wait for the first one's answer instead of each
        // scanning the stores again.
        String flight = group + ":" + version + ":" + entry;
        CompletableFuture<String> mine = new CompletableFuture<>();
        CompletableFuture<String> running = inFlight.putIfAbsent(flight, mine);
        if (running != null) {
            try {
                return running.get(FOLLOW_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return json(withSource(state.get(), "state"));
            } catch (ExecutionException | TimeoutException e) {
                return json(withSource(state.get(), "state")); // the first reader failed or is slow: compute alone
            }
        }
        try {
            Map<String, Object> answer = state.get();
            String cacheBody = json(withSource(answer, "cache"));
            store(group, version, entry, cacheBody);
            near.put(group, entry, stamp, cacheBody);
            String body = json(withSource(answer, "state"));
            mine.complete(body);
            return body;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(flight, mine);
        }
    }

    /** Computed while Redis is away: kept near (invalidation is local), not in Redis. */
    private String fromStateOnly(String group, String entry, NearCache.Stamp stamp, Supplier<Map<String, Object>> state) {
        Map<String, Object> answer = state.get();
        if (stamp != null) {
            near.put(group, entry, stamp, json(withSource(answer, "cache")));
        }
        return json(withSource(answer, "state"));
    }

    /** An answer computed from state and not cached: for a question another instance forwarded. */
    public String compute(Supplier<Map<String, Object>> state) {
        return json(withSource(state.get(), "state"));
    }

    /**
     * Marks the groups' cached answers out of date: the state they show has changed, and is in the state a read
     * computes from. In this order (the reasons are in {@link NearCache}): the groups are marked unannounced, their
     * near entries out of date, their Redis versions bumped (with every group still unannounced from before), and,
     * once Redis has them, the near entries out of date again (a Redis entry copied near in between may predate the
     * bump) and the groups announced.
     */
    public void changed(Collection<String> groups) {
        if (groups.isEmpty()) {
            return;
        }
        Object call = new Object();
        for (String group : groups) {
            unannounced.put(group, call);
        }
        near.changed(groups); // outside the lock below: invalidation here must not wait for Redis
        if (redis.skip()) {
            return; // Redis failed less than a second ago: announced by a later call, without waiting for it now
        }
        synchronized (announcing) {
            Map<String, Object> announce = new HashMap<>(unannounced);
            try {
                var async = redis.get().async();
                var replies = announce.keySet().stream().map(g -> async.incr(versionKey(g))).toList();
                for (var reply : replies) {
                    reply.get(5, TimeUnit.SECONDS);
                }
                markAvailable(true);
            } catch (Exception e) {
                // With Redis away nothing is served from it; entries written before are superseded by TTL
                // and by the versions bumped after it returns, when these groups are announced again.
                markAvailable(false);
                return;
            }
            near.changed(announce.keySet());
            announce.forEach(unannounced::remove); // unless a later call saw the group change again
        }
    }

    /**
     * Keeps near an answer the feed read whole in an output record (a word's total on {@code word-totals}, a user's
     * home-page clicks on {@code click-counts}), as a read that computed it right after {@link #changed} would, for an
     * entry a read has put near before: the next read after a change is then a near hit, not a read of the stores (on
     * this instance, or on the one holding the key). Keys nobody reads are left out, and their answers never built
     * ({@link NearCache#offer}). Called for a record after {@link #changed} has marked its group, so the entry is
     * stamped after that change and dropped by the next one; it shows the newest change of its group this instance's
     * feed has seen (a key's records are on one partition, read in order). The answer is as of the commit that
     * wrote the record; the stores may already hold the next commit's changes, which the feed marks when they are
     * committed, so an answer a read computed from them since the change is kept rather than replaced
     * ({@link NearCache#offer}). Not written to Redis: every instance's feed keeps its own.
     */
    void fed(String group, String entry, Supplier<Map<String, Object>> answer) {
        NearCache.Stamp stamp = near.stamp(group);
        if (stamp != null) {
            near.offer(group, entry, stamp, () -> json(withSource(answer.get(), "cache")));
        }
    }

    /** Called by the feed as it gains or loses its partitions: the near cache serves only while it follows. */
    void following(boolean now) {
        near.following(now);
    }

    /** Whether the last exchange with Redis worked. */
    public boolean available() {
        return available.get();
    }

    private void store(String group, String version, String entry, String cacheBody) {
        try {
            redis.get().async().psetex(prefix + "e:" + group + ":" + version + ":" + entry, ttlMillis, cacheBody);
        } catch (RuntimeException e) {
            markAvailable(false);
        }
    }

    private String readSha() {
        String sha = readSha;
        if (sha == null) {
            sha = redis.get().sync().scriptLoad(READ_SCRIPT);
            readSha = sha;
        }
        return sha;
    }

    private void markAvailable(boolean now) {
        if (now) {
            redis.answered();
        } else {
            redis.failed();
        }
        boolean before = available.getAndSet(now);
        if (before != now) {
            if (now) {
                LOG.info("Redis answers again: dashboard reads are cached again");
            } else {
                LOG.warn("Redis does not answer: dashboard reads come from the service's own state");
            }
        }
    }

    private void count(String endpoint, int index) {
        counters.computeIfAbsent(endpoint, e -> new Counter[] {
            Counter.builder("pulse.cache.hits").tag("endpoint", e).tag("tier", "redis")
                .description("dashboard reads answered from a cache (tier: near = this instance's memory, or redis)")
                .register(meters),
            Counter.builder("pulse.cache.misses").tag("endpoint", e).description("dashboard reads answered from state")
                .register(meters),
            Counter.builder("pulse.cache.hits").tag("endpoint", e).tag("tier", "near")
                .description("dashboard reads answered from a cache (tier: near = this instance's memory, or redis)")
                .register(meters)
        })[index].increment();
    }

    private String versionKey(String group) {
        return prefix + "v:" + group;
    }

    private static Map<String, Object> withSource(Map<String, Object> answer, String source) {
        Map<String, Object> body = new LinkedHashMap<>(answer);
        body.put("source", source);
        return body;
    }

    private String json(Object value) {
        try {
            return jsonMapper.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
