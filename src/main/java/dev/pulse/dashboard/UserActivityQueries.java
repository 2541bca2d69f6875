package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.aggregates.AggregatesProperties;
import dev.pulse.aggregates.TopPages;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlySessionStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.pulse.dashboard.Answers.items;
import static dev.pulse.dashboard.Answers.millis;
import static dev.pulse.dashboard.Answers.number;
import static dev.pulse.dashboard.Answers.ordered;
import static dev.pulse.dashboard.Answers.seconds;

/** Reads of the user activity ({@code UserActivity}): event counts, the latest top pages, a user's sessions. */
@Singleton
public class UserActivityQueries {

    private final StoreReads reads;
    private final long eventWindowMs;
    private final long pageWindowMs;
    private final TopPagesReadModel topPages;

    UserActivityQueries(StoreReads reads, TopPagesReadModel topPages, AggregatesProperties properties) {
        this.reads = reads;
        this.topPages = topPages;
        this.eventWindowMs = properties.eventCountWindow().toMillis();
        this.pageWindowMs = properties.pageWindow().toMillis();
    }

    /** {@code items}: counts per event type and window starting in {@code [from, to)} (epoch s), newest first. */
    public String eventCounts(long from, long to, String path, boolean forwarded) {
        BadParameterException.checkRange(from, to);
        return reads.scanRead("event-counts", CacheGroups.EVENT_COUNTS, from + ":" + to, AggregateStores.EVENT_COUNTS,
            path, forwarded, () -> {
                List<Map<String, Object>> items = new ArrayList<>();
                try (KeyValueIterator<Windowed<String>, Long> it = reads.<ReadOnlyWindowStore<String, Long>>store(
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
                return items(items);
            });
    }

    /**
     * The latest window's top {@code n} pages: {@code {"window_start", "window_end", "pages"}} (nulls and no
     * pages before any page view). Each instance holds some windows; the newest of all is the answer: the ready answer
     * of {@link TopPagesReadModel}. Until that has read every partition's window, and for a question another instance
     * forwarded (an instance of an older version asking for this one's part during a rolling update), from the stores
     * as before.
     */
    public String topPages(int n, String path, boolean forwarded) {
        if (!forwarded && topPages.answers()) {
            return topPages.answer(n);
        }
        return reads.scanRead("top-pages", CacheGroups.PAGES, Integer.toString(n), AggregateStores.TOP_PAGES, path,
            forwarded, () -> {
                ReadOnlyWindowStore<String, TopPages> store = reads.store(AggregateStores.TOP_PAGES,
                    QueryableStoreTypes.windowStore());
                List<Map<String, Object>> latest = new ArrayList<>();
                try (KeyValueIterator<Windowed<String>, TopPages> it = store.backwardFetchAll(StoreReads.BEGINNING,
                    StoreReads.END)) {
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
            windows -> {
                Map<String, Object> newest = windows.stream()
                    .max(Comparator.comparingDouble(w -> number(w, "window_start")))
                    .<Map<String, Object>>map(LinkedHashMap::new)
                    .orElseGet(() -> ordered("window_start", null, "window_end", null, "pages", List.of()));
                newest.put("as_of", System.currentTimeMillis());
                return newest;
            });
    }

    /** {@code items}: the user's sessions, newest first. */
    public String sessions(String user, String path, boolean forwarded) {
        return reads.keyRead("sessions", CacheGroups.sessions(user), "all", AggregateStores.USER_SESSIONS, user, path,
            forwarded, () -> {
                ReadOnlySessionStore<String, Long> store = reads.store(AggregateStores.USER_SESSIONS,
                    QueryableStoreTypes.sessionStore(), user);
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
}
