package dev.pulse.dashboard;

import dev.pulse.aggregates.TopPagesOfPartition;
import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import io.micronaut.context.annotation.Context;
import io.micronaut.json.JsonMapper;
import jakarta.annotation.PreDestroy;

import java.util.Optional;

/**
 * Reads {@code top-pages-latest} whole, on every instance, into {@link TopPagesReadModel} ({@link PartitionListReader}).
 *
 * <p>In: {@code top-pages-latest} (key: partition number; value: {@link TopPagesOfPartition} JSON). Out: nothing.
 */
@Context
public class TopPagesReader extends PartitionListReader<TopPagesOfPartition> {

    /** @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts */
    public TopPagesReader(TopPagesReadModel model, JsonMapper jsonMapper, KafkaClients clients, TopicNames names,
                          Optional<TopicCreator> topicsCreatedFirst) {
        super("pulse-top-pages", "/api/pages/top is answered from the stores from now on",
            names.resolve(Topics.TOP_PAGES_LATEST), clients, model, TopPagesOfPartition.serde(jsonMapper).deserializer());
        start();
    }

    @PreDestroy
    void close() throws InterruptedException {
        stop();
    }
}
