package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.aggregates.AggregatesProperties;
import dev.pulse.aggregates.LatestRecords;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import org.apache.kafka.common.utils.Bytes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The newest click→purchase matches of all partitions, ready to be served: {@code GET /api/conversions} is a lookup,
 * never a scan, and asks no other instance.
 *
 * <p>Kept from the changelog of {@link AggregateStores#RECENT_CONVERSIONS} (the newest {@code recent-conversions}
 * matches of each partition), which {@link ReadModelsReader} reads whole: a match that enters a partition's store
 * enters the model, one that leaves it (a tombstone) leaves, so the model holds what every partition's store holds, as
 * of the last commit. Every build that serves the endpoint keeps that store, so the changelog is whole during a rolling
 * upgrade too: the model answers once the reader has read it to its end, with no wait for a task to publish.
 * Newest first means what the stores' answer means: by record timestamp, then partition, then the partition's sequence.
 */
@Singleton
public class ConversionsReadModel extends ReadModel {

    /** Newest first: by timestamp, then partition, then sequence, each larger first. */
    private static final Comparator<Position> NEWEST_FIRST = Comparator.comparingLong(Position::timestamp)
        .thenComparingInt(Position::partition).thenComparingLong(Position::sequence).reversed();

    private final JsonMapper jsonMapper;
    private final int kept;
    private final Map<Bytes, Position> positions = new HashMap<>(); // the writer's thread only, as the next
    private final TreeMap<Position, String> matches = new TreeMap<>(NEWEST_FIRST);
    /** The newest {@link #kept} matches, serialized, newest first. */
    private volatile List<String> newest = List.of();

    public ConversionsReadModel(JsonMapper jsonMapper, AggregatesProperties properties) {
        this.jsonMapper = jsonMapper;
        this.kept = properties.recentConversions();
    }

    /**
     * Takes a record of the store's changelog (writer's thread): a match entered ({@code value}) or left (null) the
     * store; bookkeeping records change nothing. Seen by readers at the next {@link #publish()}.
     */
    void apply(byte[] key, byte[] value) {
        LatestRecords.Entry entry = LatestRecords.fromChangelog(AggregateStores.RECENT_CONVERSIONS, key, value);
        if (entry == null) {
            return;
        }
        // Everything that can fail first: a record that does not parse leaves the model as it was.
        Position position = null;
        String match = null;
        if (entry.value() != null) {
            position = new Position(entry.timestamp(), Integer.parseInt(entry.group()), entry.sequence());
            match = normalized(entry.value());
        }
        Bytes id = Bytes.wrap(key);
        Position old = position == null ? positions.remove(id) : positions.put(id, position);
        if (old != null) {
            matches.remove(old);
        }
        if (position != null) {
            matches.put(position, match);
        }
    }

    /** Publishes the newest {@link #kept} matches to readers (writer's thread). */
    @Override
    void publish() {
        List<String> out = new ArrayList<>(Math.min(kept, matches.size()));
        for (String match : matches.values()) {
            if (out.size() == kept) {
                break;
            }
            out.add(match);
        }
        newest = List.copyOf(out);
    }

    @Override
    public boolean answers() {
        return ready();
    }

    /** {@code {"items": [the newest limit matches], "as_of", "source": "state"}}; only when {@link #answers()}. */
    public String answer(int limit) {
        List<String> current = newest;
        return answer("[" + String.join(",", current.subList(0, Math.min(limit, current.size()))) + "]");
    }

    /** The match as the stores' answer writes it (parsed and written again, as that answer's items are). */
    private String normalized(byte[] value) {
        try {
            return jsonMapper.writeValueAsString(jsonMapper.readValue(value, JsonNode.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Position(long timestamp, int partition, long sequence) {
    }
}
