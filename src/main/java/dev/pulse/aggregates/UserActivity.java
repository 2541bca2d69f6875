package dev.pulse.aggregates;

import dev.pulse.events.UserEvent;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.WindowStore;

import java.time.Duration;
import java.util.List;

/**
 * {@code user-events} → two outputs, each re-keyed from the value through a named repartition
 * topic (the record key is ignored), all on event time:
 * <ul>
 * <li>{@code event-counts}, key {@code event_type@window_start_ms}: the count per event type per 5 min
 *     tumbling window; per update. Store {@link AggregateStores#EVENT_COUNTS}.</li>
 * <li>{@code top-pages}, key the window start in epoch seconds: the N most viewed pages ({@code page_view}
 *     events) of each 1 min tumbling window, ties by page name; per update. Stores
 *     {@link AggregateStores#PAGE_VIEWS} (views per page and window) and {@link AggregateStores#TOP_PAGES}.</li>
 * </ul>
 * "Per update" is the DSL's: each changed window at most once per commit interval (the record cache), every update
 * with the cache off. The windows of both counts close as {@code windowed-aggregates}' do: when the stream time of
 * their partition of the repartition topic passes their end plus grace, or, once that stream time has stood still
 * for longer than {@code idle-close-after}, when the wall clock does ({@link WindowGate}, with its clock in
 * {@link AggregateStores#EVENT_COUNTS_CLOCK} and {@link AggregateStores#PAGE_VIEWS_CLOCK}). A record for a closed
 * window is dropped and counted as late ({@code pulse_late_records_total{aggregate="event-counts"}} or
 * {@code {aggregate="top-pages"}}), so a window's last update is its final value, and the top pages of a window
 * change no more once its page views have closed.
 *
 * <p>{@code user-sessions} come from the user's clicks, not from these events (contract v2): {@link ClickSessions}.
 */
final class UserActivity {

    static final String PAGE_VIEW = "page_view";

    private static final Serde<String> STRINGS = Serdes.String();
    private static final Serde<Long> LONGS = VersionedSerde.longs("the event and page-view counts");
    private static final Serde<byte[]> BYTES = Serdes.ByteArray();

    private UserActivity() {
    }

    static void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs) {
        KStream<String, UserEvent> userEvents = inputs.decode(builder, Topics.USER_EVENTS, "user-events",
            (key, value, time) -> inputs.decoder().decodeUserEvent(value), UserEvent::eventTimeMs, false);
        Serde<UserEvent> events = VersionedSerde.json("the user-events repartitions", inputs.jsonMapper(), UserEvent.class);
        eventCounts(userEvents, events, properties, inputs);
        topPages(userEvents, events, properties, inputs);
    }

    private static void eventCounts(KStream<String, UserEvent> userEvents, Serde<UserEvent> events,
                                    AggregatesProperties properties, InputStreams inputs) {
        userEvents
            .selectKey((key, event) -> event.eventType(), Named.as("user-events-by-type"))
            // Named as groupBy(Grouped.as("user-events-by-type")) named it before the gate: the same internal topic.
            .repartition(Repartitioned.with(STRINGS, events).withName("user-events-by-type"))
            .processValues(WindowGate.supplier(new WindowGate.Spec(Topics.EVENT_COUNTS,
                AggregateStores.EVENT_COUNTS_CLOCK, properties.eventCountWindow(), properties.grace(),
                properties.idleCloseAfter(), properties.idleCloseCheck(), inputs.metrics())),
                Named.as("event-counts-open-windows"))
            .groupByKey(Grouped.with(STRINGS, events))
            .windowedBy(TimeWindows.ofSizeAndGrace(properties.eventCountWindow(), properties.grace()))
            .count(Named.as("event-type-count"), Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(
                    AggregateStores.EVENT_COUNTS)
                .withKeySerde(STRINGS).withValueSerde(LONGS).withRetention(properties.storeRetention()))
            .toStream(Named.as("event-type-count-changes"))
            .map((window, count) -> KeyValue.pair(window.key() + "@" + window.window().start(), String.valueOf(count)),
                Named.as("event-counts-keyed"))
            .to(inputs.topic(Topics.EVENT_COUNTS), Produced.with(STRINGS, STRINGS).withName("event-counts-sink"));
    }

    private static void topPages(KStream<String, UserEvent> userEvents, Serde<UserEvent> events,
                                 AggregatesProperties properties, InputStreams inputs) {
        JsonMapper jsonMapper = inputs.jsonMapper();
        Serde<PageViews> pageViews = VersionedSerde.json("page-views-by-window", jsonMapper, PageViews.class);
        Duration window = properties.pageWindow();
        KStream<Windowed<String>, TopPages> changes = userEvents
            .filter((key, event) -> PAGE_VIEW.equals(event.eventType()) && event.page() != null, Named.as("page-views"))
            .selectKey((key, event) -> event.page(), Named.as("page-views-by-page"))
            .repartition(Repartitioned.with(STRINGS, events).withName("page-views-by-page"))
            .processValues(WindowGate.supplier(new WindowGate.Spec(Topics.TOP_PAGES,
                AggregateStores.PAGE_VIEWS_CLOCK, window, properties.grace(), properties.idleCloseAfter(),
                properties.idleCloseCheck(), inputs.metrics())), Named.as("page-views-open-windows"))
            .groupByKey(Grouped.with(STRINGS, events))
            .windowedBy(TimeWindows.ofSizeAndGrace(window, properties.grace()))
            .count(Named.as("page-view-count"), Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(
                    AggregateStores.PAGE_VIEWS)
                .withKeySerde(STRINGS).withValueSerde(LONGS).withRetention(properties.storeRetention()))
            .toStream(Named.as("page-view-changes"))
            // Second step: gather the pages' running counts by window. Each count carries a time inside its
            // window, so windowing again by the same size lands it in the same window. Late records were
            // already dropped above; the long grace here only absorbs repartition-topic interleaving.
            .map((pageWindow, views) -> KeyValue.pair(Long.toString(pageWindow.window().start()),
                new PageViews(pageWindow.key(), views)), Named.as("page-views-keyed-by-window"))
            .groupByKey(Grouped.with("page-views-by-window", STRINGS, pageViews))
            .windowedBy(TimeWindows.ofSizeAndGrace(window, properties.storeRetention().minus(window)))
            .aggregate(TopPages::empty, (start, views, top) -> top.with(views), Named.as("top-pages-aggregate"),
                Materialized.<String, TopPages, WindowStore<Bytes, byte[]>>as(AggregateStores.TOP_PAGES)
                    .withKeySerde(STRINGS)
                    .withValueSerde(VersionedSerde.json(AggregateStores.TOP_PAGES, jsonMapper, TopPages.class))
                    .withRetention(properties.storeRetention()))
            .toStream(Named.as("top-pages-changes"));
        changes
            .map((start, top) -> KeyValue.pair(Long.toString(start.window().start() / 1000),
                topPagesJson(start.window().start(), start.window().end(), top, properties.topN(), jsonMapper)),
                Named.as("top-pages-to-json"))
            .to(inputs.topic(Topics.TOP_PAGES), Produced.with(STRINGS, BYTES).withName("top-pages-sink"));
        changes
            .process(PartitionTopPages::new, Named.as("top-pages-of-partition"), AggregateStores.TOP_PAGES)
            .to(inputs.topic(Topics.TOP_PAGES_LATEST), Produced.with(STRINGS, TopPagesOfPartition.serde(jsonMapper))
                .withName("top-pages-latest-sink"));
    }

    private static byte[] topPagesJson(long startMs, long endMs, TopPages top, int n, JsonMapper jsonMapper) {
        List<JsonNode> pages = top.top(n).stream()
            .map(p -> JsonOut.object().put("page", p.page()).put("views", p.views()).node())
            .toList();
        return JsonOut.object()
            .putSeconds("window_start", startMs)
            .putSeconds("window_end", endMs)
            .put("pages", JsonNode.createArrayNode(pages))
            .bytes(jsonMapper);
    }
}
