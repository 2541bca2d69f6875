package dev.pulse.dashboard;

import dev.pulse.aggregates.CategoriesOfPartition;
import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import io.micronaut.context.annotation.Context;
import io.micronaut.json.JsonMapper;
import jakarta.annotation.PreDestroy;

import java.util.Optional;

/**
 * Reads {@code aggregated-topic-categories} whole, on every instance, into {@link CategoriesReadModel}
 * ({@link PartitionListReader}).
 *
 * <p>In: {@code aggregated-topic-categories} (key: partition number; value: {@link CategoriesOfPartition} JSON). Out:
 * nothing.
 */
@Context
public class CategoriesReader extends PartitionListReader<CategoriesOfPartition> {

    /** @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts */
    public CategoriesReader(CategoriesReadModel model, JsonMapper jsonMapper, KafkaClients clients, TopicNames names,
                            Optional<TopicCreator> topicsCreatedFirst) {
        super("pulse-categories", "/api/categories is answered from the stores from now on",
            names.resolve(Topics.AGGREGATED_TOPIC_CATEGORIES), clients, model,
            CategoriesOfPartition.serde(jsonMapper).deserializer());
        start();
    }

    @PreDestroy
    void close() throws InterruptedException {
        stop();
    }
}
