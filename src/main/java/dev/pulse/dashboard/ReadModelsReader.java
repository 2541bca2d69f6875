package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.aggregates.CategoriesOfPartition;
import dev.pulse.aggregates.PartitionList;
import dev.pulse.aggregates.TopPagesOfPartition;
import dev.pulse.aggregates.TopWordsOfPartition;
import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import dev.pulse.kafka.WholeTopicReader;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.json.JsonMapper;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Reads the read models' topics whole, on every instance, into their {@link ReadModel}s: the lists of
 * {@link Topics#READ_MODELS} into {@link PartitionedReadModel}s ({@code word-totals-top} into
 * {@link TopWordsReadModel}, {@code aggregated-topic-categories} into {@link CategoriesReadModel},
 * {@code top-pages-latest} into {@link TopPagesReadModel}), and the changelog of
 * {@link AggregateStores#RECENT_CONVERSIONS} into {@link ConversionsReadModel}. From the beginning (the topics are
 * compacted: one list per partition of a store, one record per entry of the store), {@code read_committed}, with one
 * consumer on a thread of its own, so the reads they serve cost the stream threads nothing and a read model costs no
 * Kafka client of its own.
 *
 * <p>A plain consumer with assigned partitions rather than a listener: a model is complete once the consumer's
 * position reaches the end offsets its topic had when it was assigned, and that must be checked after every poll, the
 * empty ones too (the end can be a transaction marker, which no record reports). Each model is marked current on its
 * own: on a new cluster the conversions changelog and the repartition topics appear only with the stream's first
 * rebalance, and the other models do not wait for them. A value it cannot read is logged and skipped.
 */
@Context
@Requires(property = "kafka.enabled", notEquals = "false")
public class ReadModelsReader extends WholeTopicReader<byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(ReadModelsReader.class);
    /** How often the stores' partition counts are looked up until known (their topics appear with the stream). */
    private static final long COUNT_LOOKUP_MS = 1_000;

    private final Map<String, Feed> feeds;
    private long countsLookedUp;

    /**
     * @param applicationId      the aggregates stream's application id, which names the repartition topics whose
     *                           partitions are the stores' and the changelog of the conversions store
     * @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts
     */
    public ReadModelsReader(TopWordsReadModel topWords, CategoriesReadModel categories, TopPagesReadModel topPages,
                            ConversionsReadModel conversions, JsonMapper jsonMapper, KafkaClients clients,
                            TopicNames names, @Value("${kafka.streams.default.application.id}") String applicationId,
                            Optional<TopicCreator> topicsCreatedFirst) {
        this(clients, feeds(topWords, categories, topPages, conversions, jsonMapper, names, applicationId));
        start();
    }

    /**
     * Each read model's topic and how it is read. A list topic's model also names the repartition topic its store's
     * tasks read (Kafka Streams names it {@code <application id>-<name>-repartition}; the names are those of the
     * recorded topology shape): the store has as many partitions, and the model answers once each of them has
     * published its list. The conversions store's changelog is named as Kafka Streams names it,
     * {@code <application id>-<store>-changelog}, and created by the stream's first start.
     */
    private static Map<String, Feed> feeds(TopWordsReadModel topWords, CategoriesReadModel categories,
                                           TopPagesReadModel topPages, ConversionsReadModel conversions,
                                           JsonMapper jsonMapper, TopicNames names, String applicationId) {
        return Map.of(
            names.resolve(Topics.WORD_TOTALS_TOP), new Lists<>(topWords,
                TopWordsOfPartition.serde(jsonMapper).deserializer(), applicationId + "-words-by-word-repartition"),
            names.resolve(Topics.AGGREGATED_TOPIC_CATEGORIES), new Lists<>(categories,
                CategoriesOfPartition.serde(jsonMapper).deserializer(),
                applicationId + "-records-by-category-repartition"),
            names.resolve(Topics.TOP_PAGES_LATEST), new Lists<>(topPages,
                TopPagesOfPartition.serde(jsonMapper).deserializer(),
                applicationId + "-page-views-by-window-repartition"),
            applicationId + "-" + AggregateStores.RECENT_CONVERSIONS + "-changelog", new Changelog(conversions));
    }

    private ReadModelsReader(KafkaClients clients, Map<String, Feed> feeds) {
        super("pulse-read-models", "/api/words?top=N, /api/categories, /api/pages/top and /api/conversions are "
            + "answered from the stores from now on", List.copyOf(feeds.keySet()), clients,
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.feeds = feeds;
    }

    @Override
    protected void polled(ConsumerRecords<byte[], byte[]> records, Map<TopicPartition, Long> ends, boolean atEnd) {
        Set<Feed> changed = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Feed feed = feeds.get(record.topic());
            try {
                feed.apply(record);
                changed.add(feed);
            } catch (Exception e) {
                LOG.warn("read models skipped {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.toString());
            }
        }
        changed.forEach(feed -> feed.model().publish());
        long now = System.currentTimeMillis();
        if (now - countsLookedUp >= COUNT_LOOKUP_MS) {
            countsLookedUp = now;
            feeds.values().forEach(feed -> feed.lookUp(this::partitionCount));
        }
        feeds.forEach((topic, feed) -> {
            if (readToEnd(topic)) {
                feed.model().current(now);
            }
        });
    }

    @PreDestroy
    void close() throws InterruptedException {
        stop();
    }

    /** A topic's records into its read model. */
    private interface Feed {

        ReadModel model();

        /** Takes one record into the model (the reader's thread); readers see it at the model's next publish. */
        void apply(ConsumerRecord<byte[], byte[]> record);

        /** Learns what the model needs from the cluster's metadata, given each topic's partition count (0: absent). */
        default void lookUp(ToIntFunction<String> partitionCount) {
        }
    }

    /** A topic of lists, one per partition of a store, and the topic whose partition count is the store's. */
    private record Lists<P extends PartitionList>(PartitionedReadModel<P> model, Deserializer<P> format,
                                                  String storePartitions) implements Feed {
        @Override
        public void apply(ConsumerRecord<byte[], byte[]> record) {
            model.apply(format.deserialize(record.topic(), record.value()));
        }

        @Override
        public void lookUp(ToIntFunction<String> partitionCount) {
            if (!model.expects()) {
                model.expect(partitionCount.applyAsInt(storePartitions));
            }
        }
    }

    /** The changelog of the conversions store, record by record as the store holds them. */
    private record Changelog(ConversionsReadModel model) implements Feed {
        @Override
        public void apply(ConsumerRecord<byte[], byte[]> record) {
            model.apply(record.key(), record.value());
        }
    }
}
