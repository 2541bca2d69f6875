package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.aggregates.AggregatesProperties;
import dev.pulse.aggregates.Stats;
import dev.pulse.aggregates.TopPages;
import dev.pulse.events.SensorReading;
import dev.pulse.events.WireTime;
import io.micronaut.configuration.kafka.streams.InteractiveQueryService;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlySessionStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The dashboard's aggregate reads, answered from Redis when a current answer is cached and from the
 * Kafka Streams stores otherwise (interactive queries: this instance's stores, the owning instance's
 * for a key held elsewhere, every instance's for a read across keys).
 */
@Singleton
public class AggregatesQueryService {

    private static final Instant BEGINNING = Instant.EPOCH;
    private static final Instant END = Instant.ofEpochMilli(Long.MAX_VALUE / 2);

    private final InteractiveQueryService queries;
    private final StoreRouter router;
    private final DashboardCache cache;
    private final JsonMapper jsonMapper;
    private final RecentEvents recent;
    private final long graceMs;
    private final long categoryWindowMs;
    private final long eventWindowMs;
    private final long pageWindowMs;
    private final long deviceWindowMs;

    public AggregatesQueryService(InteractiveQueryService queries, StoreRouter router, DashboardCache cache,
                                  JsonMapper jsonMapper, RecentEvents recent, AggregatesProperties properties) {
        this.queries = queries;
        this.router = router;
        this.cache = cache;
        this.jsonMapper = jsonMapper;
        this.recent = recent;
        this.graceMs = properties.grace().toMillis();
        this.categoryWindowMs = properties.categoryWindow().toMillis();
        this.eventWindowMs = properties.eventCountWindow().toMillis();
        this.pageWindowMs = properties.pageWindow().toMillis();
        this.deviceWindowMs = properties.deviceWindow().toMillis();
    }

    // --- key reads: cache, else the owner's store ---------------------------------------------

    public String word(String word, String path, boolean forwarded) {
        return keyRead("word", CacheGroups.word(word), "count", AggregateStores.WORD_COUNTS, word, path, forwarded,
            () -> {
                Long count = this.<ReadOnlyKeyValueStore<String, Long>>store(AggregateStores.WORD_COUNTS,
                    QueryableStoreTypes.keyValueStore()).get(word);
                return answer("word", word, "count", count == null ? 0L : count);
            });
    }

    public String homeClicks(String user, String path, boolean forwarded) {
        return keyRead("home-clicks", CacheGroups.homeClicks(user), "count", AggregateStores.HOME_CLICKS, user, path,
            forwarded, () -> {
                Long count = this.<ReadOnlyKeyValueStore<String, Long>>store(AggregateStores.HOME_CLICKS,
                    QueryableStoreTypes.keyValueStore()).get(user);
                return answer("user", user, "count", count == null ? 0L : count);
            });
    }

    public String sessions(String user, String path, boolean forwarded) {
        return keyRead("sessions", CacheGroups.sessions(user), "all", AggregateStores.USER_SESSIONS, user, path,
            forwarded, () -> {
                ReadOnlySessionStore<String, Long> store = store(AggregateStores.USER_SESSIONS,
                    QueryableStoreTypes.sessionStore());
                List<Map<String, Object>> items = new ArrayList<>();
                try (KeyValueIterator<Windowed<String>, Long> it = store.fetch(user)) {
                    it.forEachRemaining(kv -> items.add(ordered(
                        "user", user,
                        "session_start", seconds(kv.key.window().start()),
                        "session_end", seconds(kv.key.window().end()),
                        "events", kv.value)));
                }
                items.sort(Comparator.comparingDouble((Map<String, Object> s) -> number(s, "session_start")).reversed());
                return items(items);
            });
    }

    public String categoryWindows(String category, long from, long to, String path, boolean forwarded) {
        BadParameterException.checkRange(from, to);
        return keyRead("category-windows", CacheGroups.categoryWindows(category), from + ":" + to,
            AggregateStores.CATEGORY_WINDOWS, category, path, forwarded, () -> {
                ReadOnlyWindowStore<String, Stats> store = store(AggregateStores.CATEGORY_WINDOWS,
                    QueryableStoreTypes.windowStore());
                List<KeyValue<Long, Stats>> windows = new ArrayList<>();
                try (WindowStoreIterator<Stats> it = store.backwardFetch(category, millis(from), millis(to).minusMillis(1))) {
                    it.forEachRemaining(windows::add);
                }
                long newestStart = windows.isEmpty() ? Long.MIN_VALUE : windows.get(0).key;
                long now = System.currentTimeMillis();
                List<Map<String, Object>> items = new ArrayList<>();
                for (KeyValue<Long, Stats> window : windows) {
                    long end = window.key + categoryWindowMs;
                    // Closed once stream time (here: the newest window's start, or the clock) passed end + grace.
                    boolean closed = end + graceMs <= Math.max(newestStart, now);
                    Map<String, Object> item = statsItem("category", category, window.value);
                    item.put("window_start", seconds(window.key));
                    item.put("window_end", seconds(end));
                    item.put("closed", closed);
                    items.add(item);
                }
                return items(items);
            });
    }

    public String device(String deviceId, String path, boolean forwarded) {
        return keyRead("device", CacheGroups.device(deviceId), "one", AggregateStores.DEVICE_LATEST, deviceId, path,
            forwarded, () -> deviceAnswer(deviceId));
    }

    // --- reads across keys: cache, else every instance's part ----------------------------------

    public String topWords(int top, String path, boolean forwarded) {
        return scanRead("words", CacheGroups.WORDS, Integer.toString(top), AggregateStores.WORD_COUNTS, path, forwarded,
            () -> {
                List<Map<String, Object>> items = new ArrayList<>();
                try (KeyValueIterator<String, Long> it = this.<ReadOnlyKeyValueStore<String, Long>>store(
                    AggregateStores.WORD_COUNTS, QueryableStoreTypes.keyValueStore()).all()) {
                    it.forEachRemaining(kv -> items.add(ordered("word", kv.key, "count", kv.value)));
                }
                return items;
            },
            items -> top(items, "count", "word", top));
    }

    public String categories(String path, boolean forwarded) {
        return scanRead("categories", CacheGroups.CATEGORIES, "all", AggregateStores.CATEGORY_AGGREGATES, path,
            forwarded, () -> {
                List<Map<String, Object>> items = new ArrayList<>();
                try (KeyValueIterator<String, Stats> it = this.<ReadOnlyKeyValueStore<String, Stats>>store(
                    AggregateStores.CATEGORY_AGGREGATES, QueryableStoreTypes.keyValueStore()).all()) {
                    it.forEachRemaining(kv -> items.add(statsItem("category", kv.key, kv.value)));
                }
                return items;
            },
            items -> top(items, "count", "category", Integer.MAX_VALUE));
    }

    public String eventCounts(long from, long to, String path, boolean forwarded) {
        BadParameterException.checkRange(from, to);
        return scanRead("event-counts", CacheGroups.EVENT_COUNTS, from + ":" + to, AggregateStores.EVENT_COUNTS, path,
            forwarded, () -> {
                List<Map<String, Object>> items = new ArrayList<>();
                try (KeyValueIterator<Windowed<String>, Long> it = this.<ReadOnlyWindowStore<String, Long>>store(
                    AggregateStores.EVENT_COUNTS, QueryableStoreTypes.windowStore())
                    .fetchAll(millis(from), millis(to).minusMillis(1))) {
                    it.forEachRemaining(kv -> items.add(ordered(
                        "event_type", kv.key.key(),
                        "window_start", seconds(kv.key.window().start()),
                        "window_end", seconds(kv.key.window().start() + eventWindowMs),
                        "count", kv.value)));
                }
                return items;
            },
            items -> {
                items.sort(Comparator.comparingDouble((Map<String, Object> i) -> number(i, "window_start")).reversed()
                    .thenComparingDouble(i -> -number(i, "count")));
                return items;
            });
    }

    public String topPages(int n, String path, boolean forwarded) {
        return scanRead("top-pages", CacheGroups.PAGES, Integer.toString(n), AggregateStores.TOP_PAGES, path,
            forwarded, () -> {
                ReadOnlyWindowStore<String, TopPages> store = store(AggregateStores.TOP_PAGES,
                    QueryableStoreTypes.windowStore());
                List<Map<String, Object>> latest = new ArrayList<>();
                try (KeyValueIterator<Windowed<String>, TopPages> it = store.backwardFetchAll(BEGINNING, END)) {
                    if (it.hasNext()) {
                        KeyValue<Windowed<String>, TopPages> window = it.next();
                        long start = window.key.window().start();
                        latest.add(ordered(
                            "window_start", seconds(start),
                            "window_end", seconds(start + pageWindowMs),
                            "pages", window.value.top(n).stream()
                                .map(p -> ordered("page", p.page(), "views", p.views())).toList()));
                    }
                }
                return latest;
            },
            windows -> windows.stream()
                .max(Comparator.comparingDouble(w -> number(w, "window_start")))
                .map(List::of).orElse(List.of()));
    }

    public String devices(String path, boolean forwarded) {
        return scanRead("devices", CacheGroups.DEVICES, "all", AggregateStores.DEVICE_LATEST, path, forwarded,
            () -> {
                List<String> ids = new ArrayList<>();
                try (KeyValueIterator<String, SensorReading> it = this.<ReadOnlyKeyValueStore<String, SensorReading>>store(
                    AggregateStores.DEVICE_LATEST, QueryableStoreTypes.keyValueStore()).all()) {
                    it.forEachRemaining(kv -> ids.add(kv.key));
                }
                List<Map<String, Object>> items = new ArrayList<>();
                for (String id : ids) {
                    Map<String, Object> device = deviceAnswer(id);
                    device.remove("as_of");
                    items.add(device);
                }
                return items;
            },
            items -> {
                items.sort(Comparator.comparing(i -> (String) i.get("device_id")));
                return items;
            });
    }

    // --- shared --------------------------------------------------------------------------------

    private Map<String, Object> deviceAnswer(String deviceId) {
        SensorReading latest = this.<ReadOnlyKeyValueStore<String, SensorReading>>store(AggregateStores.DEVICE_LATEST,
            QueryableStoreTypes.keyValueStore()).get(deviceId);
        ReadOnlyWindowStore<String, Stats> windows = store(AggregateStores.DEVICE_AVERAGES, QueryableStoreTypes.windowStore());
        List<Map<String, Object>> averages = new ArrayList<>();
        try (WindowStoreIterator<Stats> it = windows.backwardFetch(deviceId, BEGINNING, END)) {
            it.forEachRemaining(kv -> {
                Map<String, Object> item = ordered(
                    "window_start", seconds(kv.key),
                    "window_end", seconds(kv.key + deviceWindowMs));
                item.putAll(statsItem(null, null, kv.value));
                averages.add(item);
            });
        }
        Map<String, Object> answer = ordered(
            "device_id", deviceId,
            "temperature", latest == null ? null : latest.temperature(),
            "timestamp", latest == null || latest.eventTimeMs() == null ? null : seconds(latest.eventTimeMs()),
            "alert_state", recent.alertState(deviceId),
            "averages", averages);
        answer.put("as_of", System.currentTimeMillis());
        return answer;
    }

    private String keyRead(String endpoint, String group, String entry, String store, String key, String path,
                           boolean forwarded, Supplier<Map<String, Object>> local) {
        if (forwarded) {
            return cache.compute(local);
        }
        return cache.read(endpoint, group, entry, () -> router.remoteOwner(store, key)
            .map(owner -> parse(router.get(owner, path)))
            .orElseGet(local));
    }

    private String scanRead(String endpoint, String group, String entry, String store, String path, boolean forwarded,
                            Supplier<List<Map<String, Object>>> localPart,
                            Function<List<Map<String, Object>>, List<Map<String, Object>>> merge) {
        if (forwarded) {
            return cache.compute(() -> items(localPart.get()));
        }
        return cache.read(endpoint, group, entry, () -> {
            List<Map<String, Object>> all = new ArrayList<>(localPart.get());
            for (HostInfo other : router.otherHolders(store)) {
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> part = (List<Map<String, Object>>) parse(router.get(other, path)).get("items");
                all.addAll(part);
            }
            List<Map<String, Object>> merged = merge.apply(all);
            if (store.equals(AggregateStores.TOP_PAGES)) {
                Map<String, Object> window = merged.isEmpty()
                    ? ordered("window_start", null, "window_end", null, "pages", List.of())
                    : new LinkedHashMap<>(merged.get(0));
                window.put("as_of", System.currentTimeMillis());
                return window;
            }
            return items(merged);
        });
    }

    private <T> T store(String name, QueryableStoreType<T> type) {
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

    private static List<Map<String, Object>> top(List<Map<String, Object>> items, String by, String tie, int n) {
        items.sort(Comparator.comparingDouble((Map<String, Object> i) -> -number(i, by))
            .thenComparing(i -> (String) i.get(tie)));
        return new ArrayList<>(items.subList(0, Math.min(n, items.size())));
    }

    private static Map<String, Object> statsItem(String keyName, String key, Stats stats) {
        Map<String, Object> item = new LinkedHashMap<>();
        if (keyName != null) {
            item.put(keyName, key);
        }
        item.put("count", stats.count());
        item.put("sum", stats.sum());
        item.put("average", stats.average());
        item.put("min", stats.count() == 0 ? null : stats.min());
        item.put("max", stats.count() == 0 ? null : stats.max());
        return item;
    }

    private static Map<String, Object> answer(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> answer = ordered(k1, v1, k2, v2);
        answer.put("as_of", System.currentTimeMillis());
        return answer;
    }

    private static Map<String, Object> items(List<?> items) {
        return ListsService.items(items);
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static Number seconds(long millis) {
        return WireTime.epochSeconds(millis);
    }

    private static double number(Map<String, Object> item, String field) {
        return ((Number) item.get(field)).doubleValue();
    }

    private static Instant millis(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds);
    }
}
