package dev.pulse.dashboard;

import io.micronaut.configuration.kafka.streams.InteractiveQueryService;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How every aggregate query reads: from Redis when a current answer is cached ({@link DashboardCache}),
 * from the Kafka Streams stores otherwise (interactive queries: this instance's stores, the owning
 * instance's for a key held elsewhere, every instance's part for a read across keys, found by
 * {@link StoreRouter}). A request forwarded by another instance is answered from local state only.
 * What an answer holds is the query classes' business ({@code WordQueries}, {@code DeviceQueries}, …).
 */
@Singleton
class StoreReads {

    /** The whole time range of a window store. */
    static final Instant BEGINNING = Instant.EPOCH;
    static final Instant END = Instant.ofEpochMilli(Long.MAX_VALUE / 2);

    private final InteractiveQueryService queries;
    private final KafkaStreams streams;
    private final StoreRouter router;
    private final DashboardCache cache;
    private final JsonMapper jsonMapper;

    StoreReads(InteractiveQueryService queries, KafkaStreams streams, StoreRouter router, DashboardCache cache,
               JsonMapper jsonMapper) {
        this.queries = queries;
        this.streams = streams;
        this.router = router;
        this.cache = cache;
        this.jsonMapper = jsonMapper;
    }

    /**
     * A read of one key of {@code store}: the cached answer, else the owning instance's (asked at
     * {@code path}), else {@code local}'s.
     *
     * @param endpoint names the cache's hit and miss counters
     * @param group    the cache group the answer depends on ({@link CacheGroups})
     * @param entry    the answer's entry within the group (the parameters)
     */
    String keyRead(String endpoint, String group, String entry, String store, String key, String path,
                   boolean forwarded, Supplier<Map<String, Object>> local) {
        if (forwarded) {
            return cache.compute(local);
        }
        return cache.read(endpoint, group, entry, () -> router.remoteOwner(store, key)
            .map(owner -> parse(router.get(owner, path)))
            .orElseGet(local));
    }

    /**
     * A read across the keys of {@code store}: the cached answer, else this instance's part
     * ({@code localPart}) and every other holder's (asked at {@code path}, which answers its part under
     * {@code items}), combined by {@code answer}.
     */
    String scanRead(String endpoint, String group, String entry, String store, String path, boolean forwarded,
                    Supplier<List<Map<String, Object>>> localPart,
                    Function<List<Map<String, Object>>, Map<String, Object>> answer) {
        if (forwarded) {
            return cache.compute(() -> Answers.items(localPart.get()));
        }
        return cache.read(endpoint, group, entry, () -> {
            List<Map<String, Object>> all = new ArrayList<>(localPart.get());
            for (HostInfo other : router.otherHolders(store)) {
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> part = (List<Map<String, Object>>) parse(router.get(other, path)).get("items");
                all.addAll(part);
            }
            return answer.apply(all);
        });
    }

    /**
     * The partition of this instance's {@code name} store that holds {@code key}, for a key read: a partition this
     * instance does not hold (any more, or yet: a task still restoring, a question forwarded on metadata that a
     * rebalance has since changed) answers 503 rather than a key that reads as absent.
     */
    <T> T store(String name, QueryableStoreType<T> type, String key) {
        OptionalInt partition = router.partition(name, key);
        if (partition.isEmpty()) {
            return store(name, type);
        }
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(name, type).withPartition(partition.getAsInt()));
        } catch (InvalidStateStoreException notHere) {
            throw new StateNotReadyException(name);
        }
    }

    /**
     * This instance's {@code name} store, all its partitions here; a store not (yet, or no longer) queryable answers
     * 503. For a read of one key, {@link #store(String, QueryableStoreType, String)}.
     */
    <T> T store(String name, QueryableStoreType<T> type) {
        try {
            Optional<T> store = queries.getQueryableStore(name, type);
            return store.orElseThrow(() -> new StateNotReadyException(name));
        } catch (InvalidStateStoreException starting) {
            throw new StateNotReadyException(name);
        }
    }

    private Map<String, Object> parse(String body) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = jsonMapper.readValue(body, Map.class);
            map.remove("source");
            return map;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
