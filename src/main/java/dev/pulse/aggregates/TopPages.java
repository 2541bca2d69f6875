package dev.pulse.aggregates;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The views of every page of one window; {@link #top(int)} ranks them. */
@Serdeable
public record TopPages(@JsonProperty("views") Map<String, Long> views) {

    /** Most views first; equal views in page-name order. */
    static final Comparator<PageViews> RANKING =
        Comparator.comparingLong(PageViews::views).reversed().thenComparing(PageViews::page);

    public static TopPages empty() {
        return new TopPages(Map.of());
    }

    /** The page's current count replaces the one held (counts arrive as running totals). */
    public TopPages with(PageViews update) {
        Map<String, Long> next = new HashMap<>(views);
        next.put(update.page(), update.views());
        return new TopPages(next);
    }

    public List<PageViews> top(int n) {
        return views.entrySet().stream()
            .map(e -> new PageViews(e.getKey(), e.getValue()))
            .sorted(RANKING)
            .limit(n)
            .toList();
    }
}
