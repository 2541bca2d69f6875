package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.Map;

import static dev.pulse.dashboard.Answers.answer;

/** Reads of the home-page click counts ({@code HomeClicks}). */
@Singleton
public class HomeClickQueries {

    /** A user's count within its cache group ({@link CacheGroups#homeClicks}). */
    static final String COUNT = "count";

    private final StoreReads reads;

    HomeClickQueries(StoreReads reads) {
        this.reads = reads;
    }

    /** {@code {"user", "count"}}, 0 for an unseen user. */
    public String homeClicks(String user, String path, boolean forwarded) {
        return reads.keyRead("home-clicks", CacheGroups.homeClicks(user), COUNT, AggregateStores.HOME_CLICKS, user,
            path, forwarded, () -> {
                Long count = reads.<ReadOnlyKeyValueStore<String, Long>>store(AggregateStores.HOME_CLICKS,
                    QueryableStoreTypes.keyValueStore(), user).get(user);
                return countAnswer(user, count == null ? 0L : count);
            });
    }

    /** A user's answer: {@code {"user", "count", "as_of"}}; also what the feed keeps from {@code click-counts}. */
    static Map<String, Object> countAnswer(String user, long count) {
        return answer("user", user, "count", count);
    }
}
