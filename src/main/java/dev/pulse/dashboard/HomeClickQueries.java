package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import static dev.pulse.dashboard.Answers.answer;

/** Reads of the home-page click counts ({@code HomeClicks}). */
@Singleton
public class HomeClickQueries {

    private final StoreReads reads;

    HomeClickQueries(StoreReads reads) {
        this.reads = reads;
    }

    /** {@code {"user", "count"}}, 0 for an unseen user. */
    public String homeClicks(String user, String path, boolean forwarded) {
        return reads.keyRead("home-clicks", CacheGroups.homeClicks(user), "count", AggregateStores.HOME_CLICKS, user,
            path, forwarded, () -> {
                Long count = reads.<ReadOnlyKeyValueStore<String, Long>>store(AggregateStores.HOME_CLICKS,
                    QueryableStoreTypes.keyValueStore(), user).get(user);
                return answer("user", user, "count", count == null ? 0L : count);
            });
    }
}
