package dev.pulse.aggregates;

import dev.pulse.events.CategoryRecord;
import dev.pulse.events.Decoded;
import dev.pulse.events.EventDecoder;
import dev.pulse.events.Product;
import dev.pulse.events.SensorReading;
import dev.pulse.events.UserEvent;
import dev.pulse.events.UserProfile;
import dev.pulse.metrics.PulseMetrics;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.context.annotation.Factory;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * The Kafka Streams application {@code pulse-aggregates}: every output of the contract that is an
 * aggregate or a join. Inputs are read as bytes and decoded in the topology; a record that does not
 * decode goes to {@code dead-letter-queue} and the rest goes on. Each decoded record takes its
 * event's own {@code timestamp} as record time (the Kafka record time when it has none), so every
 * window below is an event-time window, {@code [start, end)}, that accepts late records for
 * {@code grace} (default 10 s) after its end; later ones are dropped and counted in Streams'
 * dropped-records metric.
 *
 * <table>
 * <caption>Topics in and out (keys and values UTF-8; values JSON; counts bare numbers)</caption>
 * <tr><th>in</th><th>out, key</th><th>what, when</th></tr>
 * <tr><td>word-counts</td><td>word-totals, word</td><td>count per lower-cased word; per update</td></tr>
 * <tr><td>input-topic</td><td>aggregated-topic, category</td><td>count, sum, average, min, max; per update</td></tr>
 * <tr><td>input-topic</td><td>windowed-aggregates, category</td><td>the same per 60 s tumbling window; once, when
 *     the window closes (end + grace)</td></tr>
 * <tr><td>user-events</td><td>event-counts, {@code event_type@window_start_ms}</td><td>count per type per 5 min
 *     tumbling window; per update</td></tr>
 * <tr><td>user-events</td><td>top-pages, window start (epoch s)</td><td>the N most viewed pages
 *     ({@code page_view}) of each 1 min window, ties by page name; per update</td></tr>
 * <tr><td>user-events</td><td>user-sessions, user</td><td>session windows, 5 min inactivity gap; per update
 *     (merged sessions are not repeated)</td></tr>
 * <tr><td>user-clicks</td><td>click-counts, user</td><td>clicks on the home page; per update</td></tr>
 * <tr><td>user-clicks, user-profiles, product-catalog</td><td>enriched-clicks, user</td><td>the click plus
 *     user_name, user_age (left join on the profile table) and product_name, product_price (global
 *     catalog table) when it names a product; per click</td></tr>
 * <tr><td>purchases, product-catalog</td><td>enriched-purchases, user</td><td>the purchase plus product_name,
 *     product_price; per purchase</td></tr>
 * <tr><td>user-clicks, purchases</td><td>click-purchases, user</td><td>a purchase at or after a click of the same
 *     user, at most 1 h later (window join); per match</td></tr>
 * <tr><td>real-time-data</td><td>device-averages, device id</td><td>count, average, min, max of temperature per
 *     5 min window advancing every minute; per update</td></tr>
 * </table>
 *
 * <p>Clicks, purchases and user events are re-keyed by the user (device, category, word, page) found in
 * the value, through named repartition topics, so a producer that sets no key is served too. State
 * stores are named in {@link AggregateStores} for interactive queries.
 */
@Factory
public class AggregatesTopology {

    /**
     * The stream's name: its settings are {@code kafka.streams.default.*} (application id
     * {@code pulse-aggregates}). It is the default stream because micronaut-kafka-streams creates one
     * named {@code default} whenever {@code kafka.streams.default} is not configured, and that one,
     * with an empty topology, would fail start-up.
     */
    public static final String STREAM = "default";

    static final String PAGE_VIEW = "page_view";

    private static final Logger LOG = LoggerFactory.getLogger(AggregatesTopology.class);

    /**
     * The topology of the {@code aggregates} stream. It depends on {@link TopicCreator} (when topic
     * creation is on) so the contract's topics exist before the stream starts.
     */
    @Singleton
    @Named(STREAM)
    KStream<String, byte[]> aggregatesStream(@Named(STREAM) ConfiguredStreamBuilder builder,
                                             AggregatesProperties properties, TopicNames topicNames,
                                             EventDecoder decoder, JsonMapper jsonMapper, PulseMetrics metrics,
                                             Optional<TopicCreator> topicsCreatedFirst) {
        dropUnknownEndpoint(builder.getConfiguration());
        return build(builder, properties, topicNames::resolve, decoder, jsonMapper, metrics);
    }

    /**
     * Removes {@code application.server} when it names a random port ({@code -1} or {@code 0}): the port
     * is not known before the HTTP server binds, Streams refuses such an endpoint, and a lone instance
     * (tests) needs no routing of queries.
     */
    static void dropUnknownEndpoint(Properties config) {
        String endpoint = config.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
        if (endpoint != null && (endpoint.endsWith(":-1") || endpoint.endsWith(":0"))) {
            config.remove(StreamsConfig.APPLICATION_SERVER_CONFIG);
            LOG.info("No application.server for interactive queries: {} names a random port", endpoint);
        }
    }

    /**
     * Adds the whole topology to {@code builder}.
     *
     * @param topicName maps a {@link Topics} default name to the configured one
     * @return the raw stream of {@code word-counts} (the factory must return a stream)
     */
    public static KStream<String, byte[]> build(StreamsBuilder builder, AggregatesProperties properties,
                                                UnaryOperator<String> topicName, EventDecoder decoder,
                                                JsonMapper jsonMapper) {
        return build(builder, properties, topicName, decoder, jsonMapper,
            new PulseMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    }

    /** As above, counting processed and dead-lettered records in {@code metrics}. */
    public static KStream<String, byte[]> build(StreamsBuilder builder, AggregatesProperties properties,
                                                UnaryOperator<String> topicName, EventDecoder decoder,
                                                JsonMapper jsonMapper, PulseMetrics metrics) {
        return new Builder(builder, properties, topicName, decoder, jsonMapper, metrics).build();
    }

    /** One build: the shared pieces as fields, one method per output. */
    private static final class Builder {

        private final StreamsBuilder builder;
        private final AggregatesProperties properties;
        private final UnaryOperator<String> topicName;
        private final EventDecoder decoder;
        private final JsonMapper jsonMapper;
        private final String deadLetters;
        private final PulseMetrics metrics;

        private final Serde<String> strings = Serdes.String();
        private final Serde<Long> longs = Serdes.Long();
        private final Serde<byte[]> bytes = Serdes.ByteArray();
        private final Serde<Stats> stats;
        private final Serde<ClickEvent> clicks;
        private final Serde<PurchaseEvent> purchases;

        Builder(StreamsBuilder builder, AggregatesProperties properties, UnaryOperator<String> topicName,
                EventDecoder decoder, JsonMapper jsonMapper, PulseMetrics metrics) {
            this.builder = builder;
            this.metrics = metrics;
            this.properties = properties;
            this.topicName = topicName;
            this.decoder = decoder;
            this.jsonMapper = jsonMapper;
            this.deadLetters = topicName.apply(Topics.DEAD_LETTER_QUEUE);
            this.stats = BinarySerdes.stats();
            this.clicks = new JsonSerde<>(jsonMapper, ClickEvent.class);
            this.purchases = new JsonSerde<>(jsonMapper, PurchaseEvent.class);
        }

        KStream<String, byte[]> build() {
            KStream<String, byte[]> words = wordTotals();
            categoryAggregates();
            KStream<String, UserEvent> userEvents = decode(Topics.USER_EVENTS, "user-events",
                (key, value, time) -> decoder.decodeUserEvent(value), UserEvent::eventTimeMs, false);
            eventCounts(userEvents);
            topPages(userEvents);
            userSessions(userEvents);
            deviceAverages();

            GlobalKTable<String, Product> catalog = productCatalog();
            KStream<String, ClickEvent> clicksByUser = clicksByUser();
            KStream<String, PurchaseEvent> purchasesByUser = purchasesByUser();
            clickCounts(clicksByUser);
            enrichedClicks(clicksByUser, userProfiles(), catalog);
            enrichedPurchases(purchasesByUser, catalog);
            clickPurchases(clicksByUser, purchasesByUser);
            return words;
        }

        // --- word-totals ---------------------------------------------------------------------

        private KStream<String, byte[]> wordTotals() {
            KStream<String, byte[]> raw = builder.stream(topicName.apply(Topics.WORD_COUNTS),
                Consumed.with(DecodeStep.KEYS, bytes).withName("words-source"));
            DecodeStep.<List<String>>decodeStream(raw, "words", deadLetters,
                    (key, value, time) -> decoder.decodeWords(value), words -> null, false, jsonMapper, metrics)
                .flatMapValues(words -> words, named("words-split"))
                .groupBy((key, word) -> word, Grouped.with("words-by-word", strings, strings))
                .count(named("words-count"), Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(
                    AggregateStores.WORD_COUNTS).withKeySerde(strings).withValueSerde(longs))
                .toStream(named("words-changes"))
                .mapValues(count -> String.valueOf(count), named("words-to-text"))
                .to(topicName.apply(Topics.WORD_TOTALS), Produced.with(strings, strings).withName("word-totals-sink"));
            return raw;
        }

        // --- aggregated-topic, windowed-aggregates -------------------------------------------

        private void categoryAggregates() {
            KGroupedStream<String, Double> byCategory = decode(Topics.INPUT_TOPIC, "records",
                    (key, value, time) -> decoder.decodeRecord(value), CategoryRecord::eventTimeMs, false)
                .map((key, record) -> KeyValue.pair(record.category(), record.value()), named("records-keyed-by-category"))
                .repartition(Repartitioned.with(strings, Serdes.Double()).withName("records-by-category"))
                .groupByKey(Grouped.with(strings, Serdes.Double()));

            byCategory
                .aggregate(Stats::empty, (category, value, aggregate) -> aggregate.add(value), named("category-aggregate"),
                    Materialized.<String, Stats, KeyValueStore<Bytes, byte[]>>as(AggregateStores.CATEGORY_AGGREGATES)
                        .withKeySerde(strings).withValueSerde(stats))
                .toStream(named("category-changes"))
                .processValues(json((category, s, time) -> categoryJson(category, s, time)), named("category-to-json"))
                .to(topicName.apply(Topics.AGGREGATED_TOPIC), Produced.with(strings, bytes).withName("aggregated-topic-sink"));

            byCategory
                .windowedBy(TimeWindows.ofSizeAndGrace(properties.categoryWindow(), properties.grace()))
                .aggregate(Stats::empty, (category, value, aggregate) -> aggregate.add(value),
                    named("category-window-aggregate"),
                    Materialized.<String, Stats, WindowStore<Bytes, byte[]>>as(AggregateStores.CATEGORY_WINDOWS)
                        .withKeySerde(strings).withValueSerde(stats).withRetention(properties.storeRetention()))
                // Held back until end + grace: one final result per window instead of one per update.
                .suppress(Suppressed.<Windowed<String>>untilWindowCloses(Suppressed.BufferConfig.unbounded())
                    .withName(AggregateStores.CATEGORY_WINDOWS_FINAL))
                .toStream(named("category-windows-closed"))
                .processValues(json((window, s, time) -> categoryJson(window.key(), s, time)
                    .putSeconds("window_start", window.window().start())
                    .putSeconds("window_end", window.window().end())), named("category-window-to-json"))
                .selectKey((window, value) -> window.key(), named("category-window-key"))
                .to(topicName.apply(Topics.WINDOWED_AGGREGATES),
                    Produced.with(strings, bytes).withName("windowed-aggregates-sink"));
        }

        private static JsonOut categoryJson(String category, Stats s, long timeMs) {
            return JsonOut.object()
                .put("category", category)
                .put("count", s.count())
                .put("sum", s.sum())
                .put("average", s.average())
                .put("min", s.min())
                .put("max", s.max())
                .putSeconds("timestamp", timeMs);
        }

        // --- event-counts --------------------------------------------------------------------

        private void eventCounts(KStream<String, UserEvent> userEvents) {
            userEvents
                .groupBy((key, event) -> event.eventType(), Grouped.with("user-events-by-type", strings, userEventSerde()))
                .windowedBy(TimeWindows.ofSizeAndGrace(properties.eventCountWindow(), properties.grace()))
                .count(named("event-type-count"), Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(
                        AggregateStores.EVENT_COUNTS)
                    .withKeySerde(strings).withValueSerde(longs).withRetention(properties.storeRetention()))
                .toStream(named("event-type-count-changes"))
                .map((window, count) -> KeyValue.pair(window.key() + "@" + window.window().start(), String.valueOf(count)),
                    named("event-counts-keyed"))
                .to(topicName.apply(Topics.EVENT_COUNTS), Produced.with(strings, strings).withName("event-counts-sink"));
        }

        // --- top-pages -----------------------------------------------------------------------

        private void topPages(KStream<String, UserEvent> userEvents) {
            Serde<PageViews> pageViews = new JsonSerde<>(jsonMapper, PageViews.class);
            Duration window = properties.pageWindow();
            userEvents
                .filter((key, event) -> PAGE_VIEW.equals(event.eventType()) && event.page() != null, named("page-views"))
                .groupBy((key, event) -> event.page(), Grouped.with("page-views-by-page", strings, userEventSerde()))
                .windowedBy(TimeWindows.ofSizeAndGrace(window, properties.grace()))
                .count(named("page-view-count"), Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(
                        AggregateStores.PAGE_VIEWS)
                    .withKeySerde(strings).withValueSerde(longs).withRetention(properties.storeRetention()))
                .toStream(named("page-view-changes"))
                // Second step: gather the pages' running counts by window. Each count carries a time inside its
                // window, so windowing again by the same size lands it in the same window. Late records were
                // already dropped above; the long grace here only absorbs repartition-topic interleaving.
                .map((pageWindow, views) -> KeyValue.pair(Long.toString(pageWindow.window().start()),
                    new PageViews(pageWindow.key(), views)), named("page-views-keyed-by-window"))
                .groupByKey(Grouped.with("page-views-by-window", strings, pageViews))
                .windowedBy(TimeWindows.ofSizeAndGrace(window, properties.storeRetention().minus(window)))
                .aggregate(TopPages::empty, (start, views, top) -> top.with(views), named("top-pages-aggregate"),
                    Materialized.<String, TopPages, WindowStore<Bytes, byte[]>>as(AggregateStores.TOP_PAGES)
                        .withKeySerde(strings).withValueSerde(new JsonSerde<>(jsonMapper, TopPages.class))
                        .withRetention(properties.storeRetention()))
                .toStream(named("top-pages-changes"))
                .map((start, top) -> KeyValue.pair(Long.toString(start.window().start() / 1000),
                    topPagesJson(start.window().start(), start.window().end(), top)), named("top-pages-to-json"))
                .to(topicName.apply(Topics.TOP_PAGES), Produced.with(strings, bytes).withName("top-pages-sink"));
        }

        private byte[] topPagesJson(long startMs, long endMs, TopPages top) {
            List<JsonNode> pages = top.top(properties.topN()).stream()
                .map(p -> JsonOut.object().put("page", p.page()).put("views", p.views()).node())
                .toList();
            return JsonOut.object()
                .putSeconds("window_start", startMs)
                .putSeconds("window_end", endMs)
                .put("pages", JsonNode.createArrayNode(pages))
                .bytes(jsonMapper);
        }

        // --- user-sessions -------------------------------------------------------------------

        private void userSessions(KStream<String, UserEvent> userEvents) {
            userEvents
                .groupBy((key, event) -> event.userId(), Grouped.with("user-events-by-user", strings, userEventSerde()))
                .windowedBy(SessionWindows.ofInactivityGapAndGrace(properties.sessionGap(), properties.grace()))
                .count(named("session-count"), Materialized.<String, Long, SessionStore<Bytes, byte[]>>as(
                        AggregateStores.USER_SESSIONS)
                    .withKeySerde(strings).withValueSerde(longs).withRetention(properties.storeRetention()))
                .toStream(named("session-changes"))
                // A merge deletes the sessions it absorbed (null); the merged session is emitted on its own.
                .filter((session, count) -> count != null, named("sessions-live"))
                .map((session, count) -> KeyValue.pair(session.key(), JsonOut.object()
                    .put("user", session.key())
                    .putSeconds("session_start", session.window().start())
                    .putSeconds("session_end", session.window().end())
                    .put("events", count)
                    .bytes(jsonMapper)), named("sessions-to-json"))
                .to(topicName.apply(Topics.USER_SESSIONS), Produced.with(strings, bytes).withName("user-sessions-sink"));
        }

        // --- device-averages -----------------------------------------------------------------

        private void deviceAverages() {
            Serde<SensorReading> readings = BinarySerdes.sensorReadings();
            KGroupedStream<String, SensorReading> byDevice = decode(Topics.REAL_TIME_DATA, "readings",
                    (key, value, time) -> decoder.decodeSensor(key == null ? null : key.getBytes(StandardCharsets.UTF_8), value),
                    SensorReading::eventTimeMs, false)
                .processValues(WITH_EVENT_TIME, named("readings-with-event-time"))
                .selectKey((key, reading) -> reading.deviceId(), named("readings-keyed-by-device"))
                .groupByKey(Grouped.with("readings-by-device", strings, readings));
            // The latest reading per device (by event time), for the dashboard's device view.
            byDevice.reduce((held, next) -> later(next, held), named("device-latest-reduce"),
                Materialized.<String, SensorReading, KeyValueStore<Bytes, byte[]>>as(AggregateStores.DEVICE_LATEST)
                    .withKeySerde(strings).withValueSerde(readings));
            byDevice
                .windowedBy(TimeWindows.ofSizeAndGrace(properties.deviceWindow(), properties.grace())
                    .advanceBy(properties.deviceAdvance()))
                .aggregate(Stats::empty, (device, reading, aggregate) -> aggregate.add(reading.temperature()),
                    named("device-window-aggregate"),
                    Materialized.<String, Stats, WindowStore<Bytes, byte[]>>as(AggregateStores.DEVICE_AVERAGES)
                        .withKeySerde(strings).withValueSerde(stats).withRetention(properties.storeRetention()))
                .toStream(named("device-window-changes"))
                .map((window, s) -> KeyValue.pair(window.key(), JsonOut.object()
                    .put("device_id", window.key())
                    .putSeconds("window_start", window.window().start())
                    .putSeconds("window_end", window.window().end())
                    .put("count", s.count())
                    .put("average", s.average())
                    .put("min", s.min())
                    .put("max", s.max())
                    .bytes(jsonMapper)), named("device-averages-to-json"))
                .to(topicName.apply(Topics.DEVICE_AVERAGES), Produced.with(strings, bytes).withName("device-averages-sink"));
        }

        /** A reading without its own time takes its record's (the Kafka timestamp), so the latest one shows when it was. */
        private static final FixedKeyProcessorSupplier<String, SensorReading, SensorReading> WITH_EVENT_TIME =
            () -> new FixedKeyProcessor<>() {
                private FixedKeyProcessorContext<String, SensorReading> context;

                @Override
                public void init(FixedKeyProcessorContext<String, SensorReading> context) {
                    this.context = context;
                }

                @Override
                public void process(FixedKeyRecord<String, SensorReading> record) {
                    SensorReading reading = record.value();
                    context.forward(reading.eventTimeMs() != null ? record : record.withValue(
                        new SensorReading(reading.deviceId(), reading.temperature(), record.timestamp())));
                }
            };

        /** {@code next} unless {@code held} is later in event time (a reading without one counts as latest). */
        private static SensorReading later(SensorReading next, SensorReading held) {
            return next.eventTimeMs() != null && held.eventTimeMs() != null && held.eventTimeMs() > next.eventTimeMs()
                ? held : next;
        }

        // --- clicks, purchases, profiles, catalog --------------------------------------------

        private KStream<String, ClickEvent> clicksByUser() {
            return decode(Topics.USER_CLICKS, "clicks",
                    (key, value, time) -> decoder.decodeClick(value).map(click -> new ClickEvent(click,
                        new String(value, StandardCharsets.UTF_8),
                        click.eventTimeMs() == null ? time : click.eventTimeMs())),
                    ClickEvent::timeMs, false)
                .selectKey((key, click) -> click.click().user(), named("clicks-keyed-by-user"))
                .repartition(Repartitioned.with(strings, clicks).withName("clicks-by-user"));
        }

        private KStream<String, PurchaseEvent> purchasesByUser() {
            return decode(Topics.PURCHASES, "purchases",
                    (key, value, time) -> decoder.decodePurchase(value).map(purchase -> new PurchaseEvent(purchase,
                        new String(value, StandardCharsets.UTF_8),
                        purchase.eventTimeMs() == null ? time : purchase.eventTimeMs())),
                    PurchaseEvent::timeMs, false)
                .selectKey((key, purchase) -> purchase.purchase().user(), named("purchases-keyed-by-user"))
                .repartition(Repartitioned.with(strings, purchases).withName("purchases-by-user"));
        }

        private KTable<String, UserProfile> userProfiles() {
            return decode(Topics.USER_PROFILES, "profiles",
                    (key, value, time) -> key == null
                        ? Decoded.invalid("no key: expected the user as the record key")
                        : decoder.decodeProfile(value),
                    profile -> null, true)
                .toTable(named("profiles-table"), Materialized.<String, UserProfile, KeyValueStore<Bytes, byte[]>>as(
                    AggregateStores.USER_PROFILES).withKeySerde(strings)
                    .withValueSerde(new JsonSerde<>(jsonMapper, UserProfile.class)));
        }

        /**
         * The catalog as a global table, so clicks and purchases keyed by user can look up any product.
         * A global table is read outside the topology's processors: a value that is not a JSON object fails
         * deserialization and is skipped (the stream's deserialization handler logs it and goes on), so the table
         * keeps the product's last good value; {@link ProductCatalogListener} writes its dead letter. The store
         * reads leniently (such a value reads as an unknown product) because a global table restores raw bytes
         * without deserializing them.
         */
        private GlobalKTable<String, Product> productCatalog() {
            JsonSerde<Product> json = new JsonSerde<>(jsonMapper, Product.class);
            Serde<Product> strict = Serdes.serdeFrom(json.serializer(), products(true));
            Serde<Product> lenient = Serdes.serdeFrom(json.serializer(), products(false));
            return builder.globalTable(topicName.apply(Topics.PRODUCT_CATALOG),
                Consumed.with(strings, strict).withName("product-catalog-source"),
                Materialized.<String, Product, KeyValueStore<Bytes, byte[]>>as(AggregateStores.PRODUCT_CATALOG)
                    .withKeySerde(strings).withValueSerde(lenient));
        }

        private Deserializer<Product> products(boolean strict) {
            return (topic, data) -> {
                if (data == null) {
                    return null;
                }
                Decoded<Product> product = decoder.decodeProduct(data);
                if (!product.isValid() && strict) {
                    throw new SerializationException(product.error());
                }
                return product.value();
            };
        }

        // --- click-counts --------------------------------------------------------------------

        private void clickCounts(KStream<String, ClickEvent> clicksByUser) {
            clicksByUser
                .filter((user, click) -> properties.homePage().equals(click.click().page()), named("home-clicks"))
                .groupByKey(Grouped.with(strings, clicks))
                .count(named("home-click-count"), Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(
                    AggregateStores.HOME_CLICKS).withKeySerde(strings).withValueSerde(longs))
                .toStream(named("home-click-changes"))
                .mapValues(count -> String.valueOf(count), named("home-clicks-to-text"))
                .to(topicName.apply(Topics.CLICK_COUNTS), Produced.with(strings, strings).withName("click-counts-sink"));
        }

        // --- enriched-clicks, enriched-purchases ---------------------------------------------

        private void enrichedClicks(KStream<String, ClickEvent> clicksByUser, KTable<String, UserProfile> profiles,
                                    GlobalKTable<String, Product> catalog) {
            clicksByUser
                .leftJoin(profiles, (click, profile) -> {
                        JsonOut out = JsonOut.copyOf(original(click.original()))
                            .put("user_name", profile == null ? null : profile.name())
                            .put("user_age", profile == null ? null : profile.age());
                        return new Enriching(click.click().product(), out);
                    },
                    Joined.with(strings, clicks, new JsonSerde<>(jsonMapper, UserProfile.class))
                        .withName("clicks-join-profiles"))
                .leftJoin(catalog, (user, enriching) -> productKey(enriching.product()),
                    (enriching, product) -> enriching.product() == null
                        ? enriching.out().bytes(jsonMapper)
                        : withProduct(enriching.out(), product).bytes(jsonMapper),
                    named("clicks-join-catalog"))
                .to(topicName.apply(Topics.ENRICHED_CLICKS), Produced.with(strings, bytes).withName("enriched-clicks-sink"));
        }

        private void enrichedPurchases(KStream<String, PurchaseEvent> purchasesByUser,
                                       GlobalKTable<String, Product> catalog) {
            purchasesByUser
                .leftJoin(catalog, (user, purchase) -> purchase.purchase().product(),
                    (purchase, product) -> withProduct(JsonOut.copyOf(original(purchase.original())), product)
                        .bytes(jsonMapper),
                    named("purchases-join-catalog"))
                .to(topicName.apply(Topics.ENRICHED_PURCHASES),
                    Produced.with(strings, bytes).withName("enriched-purchases-sink"));
        }

        private static JsonOut withProduct(JsonOut out, Product product) {
            return out.put("product_name", product == null ? null : product.name())
                .put("product_price", product == null ? null : product.price());
        }

        /** A click without a product looks up a key no catalog entry can have (a left join still emits it). */
        private static String productKey(String product) {
            return product == null ? "" : product;
        }

        private JsonNode original(String json) {
            Decoded<JsonNode> node = decoder.parse(json);
            // It was decoded once already, so it parses; the fallback only keeps a surprise from stopping the stream.
            return node.isValid() && node.value().isObject() ? node.value() : JsonNode.createObjectNode(java.util.Map.of());
        }

        /** A click on its way through the joins: the product to look up and the output so far. */
        private record Enriching(String product, JsonOut out) {
        }

        // --- click-purchases -----------------------------------------------------------------

        private void clickPurchases(KStream<String, ClickEvent> clicksByUser, KStream<String, PurchaseEvent> purchasesByUser) {
            clicksByUser
                .join(purchasesByUser,
                    (user, click, purchase) -> JsonOut.object()
                        .put("user", user)
                        .put("clicked_product", click.click().product())
                        .put("purchased_product", purchase.purchase().product())
                        .putSeconds("time_diff", purchase.timeMs() - click.timeMs())
                        .bytes(jsonMapper),
                    // The purchase at or after the click, at most joinWindow later; both ends inclusive.
                    JoinWindows.ofTimeDifferenceAndGrace(properties.joinWindow(), properties.grace()).before(Duration.ZERO),
                    StreamJoined.with(strings, clicks, purchases)
                        .withName("clicks-join-purchases")
                        .withStoreName(AggregateStores.CLICK_PURCHASE_JOIN))
                .to(topicName.apply(Topics.CLICK_PURCHASES), Produced.with(strings, bytes).withName("click-purchases-sink"));
        }

        // --- shared --------------------------------------------------------------------------

        private <T> KStream<String, T> decode(String topic, String name, DecodeStep.RecordDecoder<T> recordDecoder,
                                              java.util.function.Function<T, Long> eventTime, boolean tombstones) {
            KStream<String, byte[]> raw = builder.stream(topicName.apply(topic),
                Consumed.with(DecodeStep.KEYS, bytes).withName(name + "-source"));
            // input-topic and real-time-data are read by listeners too, which dead-letter their bad records.
            boolean listenerDeadLetters = topic.equals(Topics.INPUT_TOPIC) || topic.equals(Topics.REAL_TIME_DATA);
            return DecodeStep.decodeStream(raw, name, listenerDeadLetters ? null : deadLetters, recordDecoder, eventTime,
                tombstones, jsonMapper, metrics);
        }

        private Serde<UserEvent> userEventSerde() {
            return new JsonSerde<>(jsonMapper, UserEvent.class);
        }

        private <K, V> FixedKeyProcessorSupplier<K, V, byte[]> json(JsonWriter<K, V> writer) {
            return () -> new FixedKeyProcessor<>() {
                private FixedKeyProcessorContext<K, byte[]> context;

                @Override
                public void init(FixedKeyProcessorContext<K, byte[]> context) {
                    this.context = context;
                }

                @Override
                public void process(FixedKeyRecord<K, V> record) {
                    context.forward(record.withValue(record.value() == null ? null
                        : writer.write(record.key(), record.value(), record.timestamp()).bytes(jsonMapper)));
                }
            };
        }

        private static org.apache.kafka.streams.kstream.Named named(String name) {
            return org.apache.kafka.streams.kstream.Named.as(name);
        }
    }

    /** Writes one output value; {@code timeMs} is the record time of the result. */
    @FunctionalInterface
    private interface JsonWriter<K, V> {
        JsonOut write(K key, V value, long timeMs);
    }
}
