package dev.pulse.dashboard;

import dev.pulse.aggregates.CategoriesOfPartition;
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

/**
 * Reads the read models' topics ({@link Topics#READ_MODELS}) whole, on every instance, into their
 * {@link PartitionedReadModel}s: {@code word-totals-top} into {@link TopWordsReadModel},
 * {@code aggregated-topic-categories} into {@link CategoriesReadModel}, {@code top-pages-latest} into
 * {@link TopPagesReadModel}. From the beginning (the topics are compacted: one list per partition of a store),
 * {@code read_committed}, with one consumer on a thread of its own, so the reads they serve cost the stream threads
 * nothing and a read model costs no Kafka client of its own.
 *
 * <p>A plain consumer with assigned partitions rather than a listener: the models are complete once the consumer's
 * position reaches the end offsets it had at start, and that must be checked after every poll, the empty ones too (the
 * end can be a transaction marker, which no record reports). A value it cannot read is logged and skipped.
 */
@Context
@Requires(property = "kafka.enabled", notEquals = "false")
public class ReadModelsReader extends WholeTopicReader<byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(ReadModelsReader.class);

    private final Map<String, Route<?>> routes;

    /**
     * @param applicationId      the aggregates stream's application id, which names the repartition topics whose
     *                           partitions are the stores'
     * @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts
     */
    public ReadModelsReader(TopWordsReadModel topWords, CategoriesReadModel categories, TopPagesReadModel topPages,
                            JsonMapper jsonMapper, KafkaClients clients, TopicNames names,
                            @Value("${kafka.streams.default.application.id}") String applicationId,
                            Optional<TopicCreator> topicsCreatedFirst) {
        this(clients, routes(topWords, categories, topPages, jsonMapper, names, applicationId));
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

    private ReadModelsReader(KafkaClients clients, Map<String, Route<?>> routes) {
        super("pulse-read-models", "/api/words?top=N, /api/categories and /api/pages/top are answered from the stores "
            + "from now on", List.copyOf(routes.keySet()), clients, new ByteArrayDeserializer());
        this.routes = routes;
    }

    @Override
    protected void polled(ConsumerRecords<String, byte[]> records, Map<TopicPartition, Long> ends, boolean atEnd) {
        Set<Route<?>> changed = new HashSet<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            Route<?> route = routes.get(record.topic());
            try {
                route.apply(record);
                changed.add(route);
            } catch (Exception e) {
                LOG.warn("{} skipped {}-{}@{}: {}", record.topic(), record.topic(), record.partition(), record.offset(),
                    e.toString());
            }
        }
        changed.forEach(route -> route.model.publish());
        for (Route<?> route : routes.values()) {
            if (!route.model.expects()) {
                route.model.expect(partitionCount(route.storePartitions));
            }
        }
        if (atEnd) {
            long now = System.currentTimeMillis();
            routes.values().forEach(route -> route.model.current(now));
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        stop();
    }

    /**
     * Where a topic's lists go, how they are read, and the topic whose partition count is the store's.
     */
    private record Route<P>(PartitionedReadModel<P> model, Deserializer<P> format, String storePartitions) {
        void apply(ConsumerRecord<String, byte[]> record) {
            model.apply(format.deserialize(record.topic(), record.value()));
        }
    }
}
