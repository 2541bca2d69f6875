package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * {@code user-clicks} → {@code click-counts}, keyed by user: the running count of the user's clicks on
 * the home page ({@code pulse.aggregates.home-page}, default {@code /home}), a bare number emitted on
 * every update. It counts the clicks keyed by user that {@link ClickEnrichment} joins (one repartition
 * topic, {@code clicks-by-user}). Store {@link AggregateStores#HOME_CLICKS}.
 */
final class HomeClicks {

    private static final Serde<String> STRINGS = Serdes.String();

    private HomeClicks() {
    }

    static void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs) {
        inputs.clicksByUser(builder)
            .filter((user, click) -> properties.homePage().equals(click.click().page()), Named.as("home-clicks"))
            .groupByKey(Grouped.with(STRINGS, inputs.clicks()))
            .count(Named.as("home-click-count"), Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(
                    AggregateStores.HOME_CLICKS)
                .withKeySerde(STRINGS).withValueSerde(VersionedSerde.longs(AggregateStores.HOME_CLICKS)))
            .toStream(Named.as("home-click-changes"))
            .mapValues(count -> String.valueOf(count), Named.as("home-clicks-to-text"))
            .to(inputs.topic(Topics.CLICK_COUNTS), Produced.with(STRINGS, STRINGS).withName("click-counts-sink"));
    }
}
