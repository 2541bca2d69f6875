package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.Window;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.SessionStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code user-clicks} → {@code user-sessions}, key the user: {@code user, session_start, session_end, events} (the
 * session's click count; times in epoch seconds) per session window of the user's clicks (inactivity gap
 * {@code pulse.aggregates.session-gap}, default 5 min, as tutorial 004), on the clicks' event time, accepting
 * late clicks for {@code grace}; per update. Store {@link AggregateStores#USER_SESSIONS} (read by
 * {@code GET /api/users/{user}/sessions}).
 *
 * <p>Clicks are grouped by the {@code user} of their value, whatever key and partition the producer chose: the
 * sessions count the stream {@link InputStreams#clicksByUser} that {@link ClickEnrichment} and {@link HomeClicks}
 * read, already re-keyed by that user through the repartition topic {@code clicks-by-user}. Sharing it costs
 * nothing: that topic carries every decoded click with its event time as record time, which is all a session
 * window needs, and a topic of its own would write every click to Kafka once more.
 *
 * <p><b>Merges.</b> When a late click falls within the gap of two sessions, they become one. Streams then deletes
 * the sessions it absorbs (it forwards a null for each, before the merged session, from the same update — or, with
 * the record cache, from the same cache flush, in the order of the writes; the cache forwards no null for a session
 * it never forwarded). Those nulls are not written: they name the absorbed sessions in {@code merged_from}
 * ({@code [{"session_start","session_end"}]}) of the user's next record, the merged one, so a reader that keeps
 * sessions by their start and end drops them. A session that only grows (a click within the gap of one session,
 * moving its start or end) replaces its previous extent the same way, so its record names that extent; a record
 * that replaces nothing has no {@code merged_from}.
 */
final class ClickSessions {

    private static final Serde<String> STRINGS = Serdes.String();
    private static final Serde<byte[]> BYTES = Serdes.ByteArray();

    private ClickSessions() {
    }

    static void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs) {
        JsonMapper jsonMapper = inputs.jsonMapper();
        inputs.clicksByUser(builder)
            .groupByKey(Grouped.with(STRINGS, inputs.clicks()))
            .windowedBy(SessionWindows.ofInactivityGapAndGrace(properties.sessionGap(), properties.grace()))
            .count(Named.as("session-count"), Materialized.<String, Long, SessionStore<Bytes, byte[]>>as(
                    AggregateStores.USER_SESSIONS)
                .withKeySerde(STRINGS).withValueSerde(VersionedSerde.longs(AggregateStores.USER_SESSIONS))
                .withRetention(properties.storeRetention()))
            .toStream(Named.as("session-changes"))
            .process(() -> new MergedSessions(jsonMapper), Named.as("sessions-to-json"))
            .to(inputs.topic(Topics.USER_SESSIONS), Produced.with(STRINGS, BYTES).withName("user-sessions-sink"));
    }

    /**
     * Turns the session table's changes into {@code user-sessions} records: keeps the windows of a user's deleted
     * sessions until the user's next session arrives, and lists them there. Both come from one update of the
     * aggregation (or one cache flush), committed together, so nothing waits here across a commit.
     */
    static final class MergedSessions implements Processor<Windowed<String>, Long, String, byte[]> {

        private final JsonMapper jsonMapper;
        private final Map<String, List<Window>> absorbed = new HashMap<>();
        private ProcessorContext<String, byte[]> context;

        MergedSessions(JsonMapper jsonMapper) {
            this.jsonMapper = jsonMapper;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(Record<Windowed<String>, Long> record) {
            String user = record.key().key();
            Window window = record.key().window();
            if (record.value() == null) {
                absorbed.computeIfAbsent(user, u -> new ArrayList<>()).add(window);
                return;
            }
            List<JsonNode> mergedFrom = new ArrayList<>();
            for (Window gone : absorbed.getOrDefault(user, List.of())) {
                // Without the cache, a click inside a session deletes and rewrites the same window: nothing to drop.
                if (!gone.equals(window)) {
                    mergedFrom.add(JsonOut.object()
                        .putSeconds("session_start", gone.start())
                        .putSeconds("session_end", gone.end())
                        .node());
                }
            }
            absorbed.remove(user);
            JsonOut out = JsonOut.object()
                .put("user", user)
                .putSeconds("session_start", window.start())
                .putSeconds("session_end", window.end())
                .put("events", record.value());
            if (!mergedFrom.isEmpty()) {
                out.put("merged_from", JsonNode.createArrayNode(mergedFrom));
            }
            context.forward(record.withKey(user).withValue(out.bytes(jsonMapper)));
        }
    }
}
