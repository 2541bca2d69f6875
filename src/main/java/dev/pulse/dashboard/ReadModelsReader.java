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
import java.util.stream.Stream;

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
 * <p>A plain consumer with assigned partitions rather than a listener: the models are complete once the consumer's
 * position reaches the end offsets it had at start, and that must be checked after every poll, the empty ones too (the
 * end can be a transaction marker, which no record reports). A value it cannot read is logged and skipped.
 */
@Context
@Requires(property = "kafka.enabled", notEquals = "false")
public class ReadModelsReader extends WholeTopicReader<byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(ReadModelsReader.class);

    private final Map<String, Route<?>> routes;
    private final String conversionsChangelog;
    private final ConversionsReadModel conversions;

    /**
     * @param applicationId      the aggregates stream's application id, which names the repartition topics whose
     *                           partitions are the stores'
     * @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts
     */
    public ReadModelsReader(TopWordsReadModel topWords, CategoriesReadModel categories, TopPagesReadModel topPages,
                            ConversionsReadModel conversions, JsonMapper jsonMapper, KafkaClients clients,
                            TopicNames names, @Value("${kafka.streams.default.application.id}") String applicationId,
                            Optional<TopicCreator> topicsCreatedFirst) {
        this(clients, routes(topWords, categories, topPages, jsonMapper, names, applicationId),
            applicationId + "-" + AggregateStores.RECENT_CONVERSIONS + "-changelog", conversions);
        start();
    }

    /**
     * Each read model's topic, with the repartition topic its store's tasks read (Kafka Streams names it
     * {@code <application id>-<name>-repartition}; the names are those of the recorded topology shape): the store has
     * as many partitions, and the model answers once each of them has published its list.
     */
    private static Map<String, Route<?>> routes(TopWordsReadModel topWords, CategoriesReadModel categories,
                                                TopPagesReadModel topPages, JsonMapper jsonMapper, TopicNames names,
                                                String applicationId) {
        return Map.of(
            names.resolve(Topics.WORD_TOTALS_TOP), new Route<>(topWords,
                TopWordsOfPartition.serde(jsonMapper).deserializer(), applicationId + "-words-by-word-repartition"),
            names.resolve(Topics.AGGREGATED_TOPIC_CATEGORIES), new Route<>(categories,
                CategoriesOfPartition.serde(jsonMapper).deserializer(), applicationId + "-records-by-category-repartition"),
            names.resolve(Topics.TOP_PAGES_LATEST), new Route<>(topPages,
                TopPagesOfPartition.serde(jsonMapper).deserializer(), applicationId + "-page-views-by-window-repartition"));
    }

    /**
     * @param conversionsChangelog the changelog of {@link AggregateStores#RECENT_CONVERSIONS}, as Kafka Streams names
     *                             it: {@code <application id>-<store>-changelog}; created by the stream's first start,
     *                             which the reader waits for
     */
    private ReadModelsReader(KafkaClients clients, Map<String, Route<?>> routes, String conversionsChangelog,
                             ConversionsReadModel conversions) {
        super("pulse-read-models", "/api/words?top=N, /api/categories, /api/pages/top and /api/conversions are "
            + "answered from the stores from now on", Stream.concat(routes.keySet().stream(), Stream.of(conversionsChangelog))
            .toList(), clients, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.routes = routes;
        this.conversionsChangelog = conversionsChangelog;
        this.conversions = conversions;
    }

    @Override
    protected void polled(ConsumerRecords<byte[], byte[]> records, Map<TopicPartition, Long> ends, boolean atEnd) {
        Set<Route<?>> changed = new HashSet<>();
        boolean conversionsChanged = false;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                if (record.topic().equals(conversionsChangelog)) {
                    conversions.apply(record.key(), record.value());
                    conversionsChanged = true;
                } else {
                    Route<?> route = routes.get(record.topic());
                    route.apply(record);
                    changed.add(route);
                }
            } catch (Exception e) {
                LOG.warn("{} skipped {}-{}@{}: {}", record.topic(), record.topic(), record.partition(), record.offset(),
                    e.toString());
            }
        }
        changed.forEach(route -> route.model.publish());
        if (conversionsChanged) {
            conversions.publish();
        }
        for (Route<?> route : routes.values()) {
            if (!route.model.expects()) {
                route.model.expect(partitionCount(route.storePartitions));
            }
        }
        if (atEnd) {
            long now = System.currentTimeMillis();
            routes.values().forEach(route -> route.model.current(now));
            conversions.current(now);
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        stop();
    }

    /**
     * Where a topic's lists go, how they are read, and the topic whose partition count is the store's.
     */
    private record Route<P extends PartitionList>(PartitionedReadModel<P> model, Deserializer<P> format,
                                                  String storePartitions) {
        void apply(ConsumerRecord<byte[], byte[]> record) {
            model.apply(format.deserialize(record.topic(), record.value()));
        }
    }
}
