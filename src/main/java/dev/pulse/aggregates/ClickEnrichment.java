package dev.pulse.aggregates;

import dev.pulse.events.Decoded;
import dev.pulse.events.EventDecoder;
import dev.pulse.events.Product;
import dev.pulse.events.UserProfile;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The joins of clicks, purchases, profiles and the product catalog; every output keyed by user.
 * Clicks and purchases are re-keyed by the user named in the value (repartition topics
 * {@code clicks-by-user}, {@code purchases-by-user}), so a producer that sets no key is served too.
 * <ul>
 * <li>{@code user-clicks}, {@code user-profiles}, {@code product-catalog} → {@code enriched-clicks}: the
 *     click as it arrived plus {@code user_name}, {@code user_age} (a left join on the profile table:
 *     null without a profile) and, when the click names a product, {@code product_name},
 *     {@code product_price} (null for an unknown one); per click.</li>
 * <li>{@code purchases}, {@code product-catalog} → {@code enriched-purchases}: the purchase plus
 *     {@code product_name}, {@code product_price}; per purchase.</li>
 * <li>{@code user-clicks}, {@code purchases} → {@code click-purchases}:
 *     {@code user, clicked_product, purchased_product, time_diff} for a purchase at or after a click of
 *     the same user, at most {@code join-window} (1 h) later, both ends inclusive; per match.</li>
 * </ul>
 * Besides, for the dashboard's reads of these lists ({@link LatestRecords}, restored like any store, so an instance
 * that has just started answers as one that has run all along): each user's latest {@code enriched-clicks}
 * ({@link AggregateStores#RECENT_ENRICHED_CLICKS}, {@code recent-clicks} per user) and each partition's latest
 * {@code click-purchases} ({@link AggregateStores#RECENT_CONVERSIONS}, {@code recent-conversions} per partition),
 * written in the transaction of the records they list.
 *
 * <p>{@code user-profiles} is a table keyed by user: a null value deletes the profile, a record
 * without a key goes to {@code dead-letter-queue}. {@code product-catalog} is a global table, so
 * clicks and purchases keyed by user can look up any product.
 *
 * <p>Results do not depend on how a producer partitioned its records (contract v2). A stream–table
 * join looks a click up in the profiles of its own task, that is of one partition number, so the two
 * sides must place each user on the same partition, and Pulse does both placements itself: clicks go
 * through {@code clicks-by-user} and profiles through {@code profiles-by-user}, repartition topics
 * written by Kafka Streams' default partitioner (murmur2 of the UTF-8 user; the same partition count,
 * which Streams enforces for a join). A click is joined with the latest profile read before it:
 * profile updates enter that topic at time 0, ahead of any click they arrive with.
 *
 * <p>Until v2 the table was read straight from the partitions of {@code user-profiles}, so a profile
 * produced by confluent-kafka (librdkafka's default partitioner, CRC32 of the key), written to an
 * explicit partition, or deleted by a producer that partitions otherwise than the one that wrote it,
 * was never found: its user's clicks carried null names for good. The global catalog is not affected
 * (every instance holds all of it), nor are the aggregations (each repartitions by the key it groups
 * by before counting). A deployment that ran the v1 topology keeps the profiles it had where they
 * were; one that was on the wrong partition is found once it is produced again, or after the
 * application's offset of {@code user-profiles} is reset to the start.
 */
final class ClickEnrichment {

    private static final Serde<String> STRINGS = Serdes.String();
    private static final Serde<byte[]> BYTES = Serdes.ByteArray();

    /**
     * Profile updates (deletions too) at time 0. Streams hands a task's records over in timestamp order, and a
     * profile reaches the join through a repartition topic as the clicks do, often in the same transaction: at
     * its own time it would wait behind every click with an earlier event time (the tutorials send profiles,
     * then clicks of 2021), which would then miss it. A table has no event time to keep; the join's output
     * keeps the click's.
     */
    private static final FixedKeyProcessorSupplier<String, UserProfile, UserProfile> BEFORE_ANY_CLICK =
        () -> new FixedKeyProcessor<>() {
            private FixedKeyProcessorContext<String, UserProfile> context;

            @Override
            public void init(FixedKeyProcessorContext<String, UserProfile> context) {
                this.context = context;
            }

            @Override
            public void process(FixedKeyRecord<String, UserProfile> record) {
                context.forward(record.withTimestamp(0));
            }
        };

    private ClickEnrichment() {
    }

    static void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs) {
        JsonMapper jsonMapper = inputs.jsonMapper();
        Serde<PurchaseEvent> purchases = VersionedSerde.json("the purchases (purchases-by-user, the join store)",
            jsonMapper, PurchaseEvent.class);
        Serde<UserProfile> profiles = VersionedSerde.json("the profiles (profiles-by-user, " + AggregateStores.USER_PROFILES
            + ")", jsonMapper, UserProfile.class);

        GlobalKTable<String, Product> catalog = productCatalog(builder, inputs);
        KStream<String, ClickEvent> clicksByUser = inputs.clicksByUser(builder);
        KStream<String, PurchaseEvent> purchasesByUser = purchasesByUser(builder, inputs, purchases);
        enrichedClicks(clicksByUser, userProfiles(builder, inputs, profiles), catalog, profiles, properties, inputs);
        enrichedPurchases(purchasesByUser, catalog, inputs);
        clickPurchases(clicksByUser, purchasesByUser, purchases, properties, inputs);
    }

    private static KStream<String, PurchaseEvent> purchasesByUser(StreamsBuilder builder, InputStreams inputs,
                                                                  Serde<PurchaseEvent> purchases) {
        return inputs.decode(builder, Topics.PURCHASES, "purchases",
                (key, value, time) -> inputs.decoder().decodePurchase(value).map(purchase -> new PurchaseEvent(purchase,
                    new String(value, StandardCharsets.UTF_8),
                    purchase.eventTimeMs() == null ? time : purchase.eventTimeMs())),
                PurchaseEvent::timeMs, false)
            .selectKey((key, purchase) -> purchase.purchase().user(), Named.as("purchases-keyed-by-user"))
            .repartition(Repartitioned.with(STRINGS, purchases).withName("purchases-by-user"));
    }

    private static KTable<String, UserProfile> userProfiles(StreamsBuilder builder, InputStreams inputs,
                                                            Serde<UserProfile> profiles) {
        return inputs.decode(builder, Topics.USER_PROFILES, "profiles",
                (key, value, time) -> key == null
                    ? Decoded.invalid("no key: expected the user as the record key")
                    : inputs.decoder().decodeProfile(value),
                profile -> null, true)
            .processValues(BEFORE_ANY_CLICK, Named.as("profiles-before-clicks"))
            // The producer chose the partition (librdkafka's CRC32, an explicit one, ...); place it as the clicks
            // are placed, so a profile and its user's clicks meet in the same task. A null value passes as a deletion.
            .repartition(Repartitioned.with(STRINGS, profiles).withName("profiles-by-user"))
            .toTable(Named.as("profiles-table"), Materialized.<String, UserProfile, KeyValueStore<Bytes, byte[]>>as(
                AggregateStores.USER_PROFILES).withKeySerde(STRINGS).withValueSerde(profiles));
    }

    /**
     * The catalog as a global table, so clicks and purchases keyed by user can look up any product.
     * A global table is read outside the topology's processors: a value that is not a JSON object fails
     * deserialization and is skipped (the stream's deserialization handler logs it and goes on), so the table
     * keeps the product's last good value; {@link ProductCatalogListener} writes its dead letter. The store
     * reads leniently (such a value reads as an unknown product) because a global table restores raw bytes
     * without deserializing them.
     */
    private static GlobalKTable<String, Product> productCatalog(StreamsBuilder builder, InputStreams inputs) {
        // Unversioned: a global store restores the input topic's bytes as they are, so it must hold them as they are.
        JsonSerde<Product> json = new JsonSerde<>(inputs.jsonMapper(), Product.class);
        Serde<Product> strict = Serdes.serdeFrom(json.serializer(), products(inputs.decoder(), true));
        Serde<Product> lenient = Serdes.serdeFrom(json.serializer(), products(inputs.decoder(), false));
        return builder.globalTable(inputs.topic(Topics.PRODUCT_CATALOG),
            Consumed.with(STRINGS, strict).withName("product-catalog-source"),
            Materialized.<String, Product, KeyValueStore<Bytes, byte[]>>as(AggregateStores.PRODUCT_CATALOG)
                .withKeySerde(STRINGS).withValueSerde(lenient));
    }

    private static Deserializer<Product> products(EventDecoder decoder, boolean strict) {
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

    private static void enrichedClicks(KStream<String, ClickEvent> clicksByUser, KTable<String, UserProfile> profiles,
                                       GlobalKTable<String, Product> catalog, Serde<UserProfile> profileSerde,
                                       AggregatesProperties properties, InputStreams inputs) {
        JsonMapper jsonMapper = inputs.jsonMapper();
        KStream<String, byte[]> enriched = clicksByUser
            .leftJoin(profiles, (click, profile) -> {
                    JsonOut out = JsonOut.copyOf(original(click.original(), inputs.decoder()))
                        .put("user_name", profile == null ? null : profile.name())
                        .put("user_age", profile == null ? null : profile.age());
                    return new Enriching(click.click().product(), out);
                },
                Joined.with(STRINGS, inputs.clicks(), profileSerde).withName("clicks-join-profiles"))
            .leftJoin(catalog, (user, enriching) -> productKey(enriching.product()),
                (enriching, product) -> enriching.product() == null
                    ? enriching.out().bytes(jsonMapper)
                    : withProduct(enriching.out(), product).bytes(jsonMapper),
                Named.as("clicks-join-catalog"));
        enriched.to(inputs.topic(Topics.ENRICHED_CLICKS), Produced.with(STRINGS, BYTES).withName("enriched-clicks-sink"));
        enriched.process(LatestRecords.keeper(AggregateStores.RECENT_ENRICHED_CLICKS, properties.recentClicks(),
            LatestRecords.Grouping.KEY), Named.as("enriched-clicks-latest"));
    }

    private static void enrichedPurchases(KStream<String, PurchaseEvent> purchasesByUser,
                                          GlobalKTable<String, Product> catalog, InputStreams inputs) {
        purchasesByUser
            .leftJoin(catalog, (user, purchase) -> purchase.purchase().product(),
                (purchase, product) -> withProduct(JsonOut.copyOf(original(purchase.original(), inputs.decoder())),
                    product).bytes(inputs.jsonMapper()),
                Named.as("purchases-join-catalog"))
            .to(inputs.topic(Topics.ENRICHED_PURCHASES),
                Produced.with(STRINGS, BYTES).withName("enriched-purchases-sink"));
    }

    private static void clickPurchases(KStream<String, ClickEvent> clicksByUser,
                                       KStream<String, PurchaseEvent> purchasesByUser, Serde<PurchaseEvent> purchases,
                                       AggregatesProperties properties, InputStreams inputs) {
        KStream<String, byte[]> matches = clicksByUser
            .join(purchasesByUser,
                (user, click, purchase) -> JsonOut.object()
                    .put("user", user)
                    .put("clicked_product", click.click().product())
                    .put("purchased_product", purchase.purchase().product())
                    .putSeconds("time_diff", purchase.timeMs() - click.timeMs())
                    .bytes(inputs.jsonMapper()),
                // The purchase at or after the click, at most joinWindow later; both ends inclusive.
                JoinWindows.ofTimeDifferenceAndGrace(properties.joinWindow(), properties.grace()).before(Duration.ZERO),
                StreamJoined.with(STRINGS, inputs.clicks(), purchases)
                    .withName("clicks-join-purchases")
                    .withStoreName(AggregateStores.CLICK_PURCHASE_JOIN));
        matches.to(inputs.topic(Topics.CLICK_PURCHASES), Produced.with(STRINGS, BYTES).withName("click-purchases-sink"));
        // Per partition, not per user: the read lists the latest matches of all users.
        matches.process(LatestRecords.keeper(AggregateStores.RECENT_CONVERSIONS, properties.recentConversions(),
            LatestRecords.Grouping.PARTITION), Named.as("click-purchases-latest"));
    }

    private static JsonOut withProduct(JsonOut out, Product product) {
        return out.put("product_name", product == null ? null : product.name())
            .put("product_price", product == null ? null : product.price());
    }

    /** A click without a product looks up a key no catalog entry can have (a left join still emits it). */
    private static String productKey(String product) {
        return product == null ? "" : product;
    }

    private static JsonNode original(String json, EventDecoder decoder) {
        Decoded<JsonNode> node = decoder.parse(json);
        // It was decoded once already, so it parses; the fallback only keeps a surprise from stopping the stream.
        return node.isValid() && node.value().isObject() ? node.value() : JsonNode.createObjectNode(Map.of());
    }

    /** A click on its way through the joins: the product to look up and the output so far. */
    private record Enriching(String product, JsonOut out) {
    }
}
