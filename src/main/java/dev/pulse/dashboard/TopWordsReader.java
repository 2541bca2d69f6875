package dev.pulse.dashboard;

import dev.pulse.aggregates.TopWordsOfPartition;
import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import io.micronaut.context.annotation.Context;
import io.micronaut.json.JsonMapper;
import jakarta.annotation.PreDestroy;

import java.util.Optional;

/**
 * Reads {@code word-totals-top} whole, on every instance, into {@link TopWordsReadModel} ({@link PartitionListReader}).
 *
 * <p>In: {@code word-totals-top} (key: partition number; value: {@link TopWordsOfPartition} JSON). Out: nothing.
 */
@Context
public class TopWordsReader extends PartitionListReader<TopWordsOfPartition> {

    /** @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts */
    public TopWordsReader(TopWordsReadModel model, JsonMapper jsonMapper, KafkaClients clients, TopicNames names,
                          Optional<TopicCreator> topicsCreatedFirst) {
        super("pulse-top-words", "/api/words?top=N is answered from the stores from now on",
            names.resolve(Topics.WORD_TOTALS_TOP), clients, model, TopWordsOfPartition.serde(jsonMapper).deserializer());
        start();
    }

    @PreDestroy
    void close() throws InterruptedException {
        stop();
    }
}
