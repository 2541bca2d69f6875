package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregatesProperties;
import dev.pulse.aggregates.PageViews;
import dev.pulse.aggregates.TopPagesOfPartition;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static dev.pulse.dashboard.Answers.ordered;
import static dev.pulse.dashboard.Answers.seconds;

/**
 * The newest page-view window's top pages, ready to be served: {@code GET /api/pages/top?n=N} is a lookup, never a
 * scan, and asks no other instance.
 *
 * <p>The writer ({@link ReadModelsReader}) hands it each partition's newest window with its top
 * {@link TopPagesOfPartition#LIMIT} pages from {@code top-pages-latest} ({@link PartitionedReadModel}); the snapshot
 * readers see is the newest window of all (each window lives in one partition), whose answers are serialized once per
 * {@code n} and snapshot.
 */
@Singleton
public class TopPagesReadModel extends PartitionedReadModel<TopPagesOfPartition> {

    /** Answers for {@code n} up to this are kept per snapshot; larger ones are rare and serialized per read. */
    private static final int CACHED_NS = 100;

    private final JsonMapper jsonMapper;
    private final long pageWindowMs;
    private volatile Snapshot snapshot = new Snapshot(null, List.of());

    public TopPagesReadModel(JsonMapper jsonMapper, AggregatesProperties properties) {
        this.jsonMapper = jsonMapper;
        this.pageWindowMs = properties.pageWindow().toMillis();
    }

    @Override
    protected void publish(Collection<TopPagesOfPartition> lists) {
        TopPagesOfPartition newest = null;
        for (TopPagesOfPartition list : lists) {
            if (list.windowStartMs() != null && (newest == null || list.windowStartMs() > newest.windowStartMs())) {
                newest = list;
            }
        }
        snapshot = newest == null ? new Snapshot(null, List.of())
            : new Snapshot(newest.windowStartMs(), newest.pages());
    }

    /**
     * {@code {"window_start", "window_end", "pages": [{"page", "views"}…], "as_of", "source": "state"}}: the newest
     * window's {@code n} most viewed pages, ties by page (nulls and no pages before any page view).
     */
    public String answer(int n) {
        Snapshot current = snapshot;
        String fields = n <= CACHED_NS ? current.answers.computeIfAbsent(n, current::fields) : current.fields(n);
        return "{" + fields + ",\"as_of\":" + asOf() + ",\"source\":\"state\"}";
    }

    private final class Snapshot {

        private final Long startMs;
        private final List<PageViews> pages;
        private final Map<Integer, String> answers = new ConcurrentHashMap<>();

        Snapshot(Long startMs, List<PageViews> pages) {
            this.startMs = startMs;
            this.pages = pages;
        }

        /** The answer's fields before {@code as_of}, without braces. */
        String fields(int n) {
            Map<String, Object> answer = ordered(
                "window_start", startMs == null ? null : seconds(startMs),
                "window_end", startMs == null ? null : seconds(startMs + pageWindowMs),
                "pages", pages.subList(0, Math.min(n, pages.size())).stream()
                    .map(p -> ordered("page", p.page(), "views", p.views())).toList());
            try {
                String json = jsonMapper.writeValueAsString(answer);
                return json.substring(1, json.length() - 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
