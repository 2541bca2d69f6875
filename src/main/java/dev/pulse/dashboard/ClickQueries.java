package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.aggregates.AggregatesProperties;
import dev.pulse.aggregates.LatestRecords;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static dev.pulse.dashboard.Answers.items;
import static dev.pulse.dashboard.Answers.number;
import static dev.pulse.dashboard.Answers.ordered;

/**
 * Reads of the click joins ({@code ClickEnrichment}): a user's latest enriched clicks and the latest click→purchase
 * matches, as the topology keeps them in its stores ({@link LatestRecords}): a user's clicks on the instance that
 * holds the user, the matches in every instance's partitions. Any instance answers either, and the same as any other,
 * however recently it started: a store is restored from its changelog before it answers (503 until then), never
 * filled from what the instance happened to read of the output topics.
 *
 * <p>Newest first by record timestamp, then by their order on the output topic (the matches of two partitions with
 * one timestamp: the higher partition first), as Pulse has always listed them; at most
 * {@code pulse.aggregates.recent-clicks} clicks per user and {@code recent-conversions} matches.
 */
@Singleton
public class ClickQueries {

    private final StoreReads reads;
    private final JsonMapper jsonMapper;
    private final int clicksKept;
    private final int conversionsKept;
    private final ConversionsReadModel conversionsModel;

    ClickQueries(StoreReads reads, JsonMapper jsonMapper, AggregatesProperties properties,
                 ConversionsReadModel conversionsModel) {
        this.reads = reads;
        this.jsonMapper = jsonMapper;
        this.conversionsModel = conversionsModel;
        this.clicksKept = properties.recentClicks();
        this.conversionsKept = properties.recentConversions();
    }

    /** {@code items}: the user's latest {@code limit} enriched clicks, newest first. */
    public String enrichedClicks(String user, int limit, String path, boolean forwarded) {
        return reads.keyRead("enriched-clicks", CacheGroups.enrichedClicks(user), Integer.toString(limit),
            AggregateStores.RECENT_ENRICHED_CLICKS, user, path, forwarded, () -> {
                List<JsonNode> clicks = new ArrayList<>();
                // Cut at what the store keeps: while a click goes in, the one it pushes out is still there.
                ReadOnlyKeyValueStore<Bytes, byte[]> store = reads.store(AggregateStores.RECENT_ENRICHED_CLICKS,
                    QueryableStoreTypes.keyValueStore(), user);
                for (LatestRecords.Entry entry : LatestRecords.newest(store, user, Math.min(limit, clicksKept))) {
                    clicks.add(json(entry.value()));
                }
                return items(clicks);
            });
    }

    /**
     * {@code items}: the latest {@code limit} matches of all users, newest first: the ready answer of
     * {@link ConversionsReadModel}. Until that has read the store's changelog to its end, and for a question another
     * instance forwarded (an instance of an older version asking for this one's part during a rolling update), from
     * the stores: each instance gives the newest of its partitions with their positions ({@code timestamp},
     * {@code partition}, {@code sequence}: what a forwarded question is answered), and the asking instance merges them.
     */
    public String conversions(int limit, String path, boolean forwarded) {
        int wanted = Math.min(limit, conversionsKept);
        if (!forwarded && conversionsModel.answers()) {
            return conversionsModel.answer(wanted);
        }
        return reads.scanRead("conversions", CacheGroups.CONVERSIONS, Integer.toString(limit),
            AggregateStores.RECENT_CONVERSIONS, path, forwarded, () -> {
                List<Map<String, Object>> part = new ArrayList<>();
                ReadOnlyKeyValueStore<Bytes, byte[]> store = reads.store(AggregateStores.RECENT_CONVERSIONS,
                    QueryableStoreTypes.keyValueStore());
                for (LatestRecords.Entry entry : LatestRecords.newestOfEveryGroup(store, wanted)) {
                    part.add(ordered("timestamp", entry.timestamp(), "partition", Integer.parseInt(entry.group()),
                        "sequence", entry.sequence(), "match", json(entry.value())));
                }
                return part;
            },
            all -> {
                all.sort(Comparator.comparingDouble((Map<String, Object> m) -> number(m, "timestamp"))
                    .thenComparingDouble(m -> number(m, "partition"))
                    .thenComparingDouble(m -> number(m, "sequence")).reversed());
                return items(all.subList(0, Math.min(wanted, all.size())).stream().map(m -> m.get("match")).toList());
            });
    }

    private JsonNode json(byte[] value) {
        try {
            return jsonMapper.readValue(value, JsonNode.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
