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
public class ReadModelsReader extends WholeTopicReader<byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(ReadModelsReader.class);

    private final Map<String, Route<?>> routes;

    /** @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts */
    public ReadModelsReader(TopWordsReadModel topWords, CategoriesReadModel categories, TopPagesReadModel topPages,
                            JsonMapper jsonMapper, KafkaClients clients, TopicNames names,
                            Optional<TopicCreator> topicsCreatedFirst) {
        this(clients, Map.of(
            names.resolve(Topics.WORD_TOTALS_TOP), new Route<>(topWords, TopWordsOfPartition.serde(jsonMapper).deserializer()),
            names.resolve(Topics.AGGREGATED_TOPIC_CATEGORIES),
            new Route<>(categories, CategoriesOfPartition.serde(jsonMapper).deserializer()),
            names.resolve(Topics.TOP_PAGES_LATEST), new Route<>(topPages, TopPagesOfPartition.serde(jsonMapper).deserializer())));
        start();
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
        if (atEnd) {
            long now = System.currentTimeMillis();
            routes.values().forEach(route -> route.model.current(now));
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        stop();
    }

    /** Where a topic's lists go, and how they are read. */
    private record Route<P>(PartitionedReadModel<P> model, Deserializer<P> format) {
        void apply(ConsumerRecord<String, byte[]> record) {
            model.apply(format.deserialize(record.topic(), record.value()));
        }
    }
}
