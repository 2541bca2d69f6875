package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.aggregates.AggregatesProperties;
import dev.pulse.aggregates.TopWordsOfPartition;
import dev.pulse.aggregates.WordCount;
import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.TestServers;
import io.micronaut.context.env.DefaultEnvironment;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.PropertySource;
import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReadModelsReader} against the real test broker, on a new cluster's order of events: the read-model topics
 * exist (Pulse creates them at start), the conversions store's changelog not yet (Kafka Streams creates it at the
 * stream's first rebalance). The models whose topics are there answer meanwhile; the conversions model answers once
 * its changelog exists and has been read to its end.
 */
class ReadModelsReaderIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.createDefault();

    @Test
    void eachModelIsCurrentOnItsOwnSoAMissingChangelogHoldsUpOnlyTheConversions() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String applicationId = "read-models-" + id;
        TopicNames names = new TopicNames(null) {
            @Override
            public String resolve(String defaultName) {
                return defaultName + "-" + id;
            }
        };
        String changelog = applicationId + "-" + AggregateStores.RECENT_CONVERSIONS + "-changelog";
        try (KafkaTestClient kafka = KafkaTestClient.forTestBroker();
             Environment environment = new DefaultEnvironment(() -> List.of())) {
            environment.addPropertySource(PropertySource.of("test", Map.of(
                "kafka.bootstrap.servers", TestServers.kafkaBootstrapServers()), Integer.MAX_VALUE));
            environment.start();
            kafka.createTopics(List.of(names.resolve(Topics.WORD_TOTALS_TOP),
                names.resolve(Topics.AGGREGATED_TOPIC_CATEGORIES), names.resolve(Topics.TOP_PAGES_LATEST),
                applicationId + "-words-by-word-repartition"), 1);
            byte[] list = TopWordsOfPartition.serde(JSON).serializer().serialize(names.resolve(Topics.WORD_TOTALS_TOP),
                new TopWordsOfPartition(0, List.of(new WordCount("apple", 3))));
            kafka.send(names.resolve(Topics.WORD_TOTALS_TOP), "0".getBytes(StandardCharsets.UTF_8), list, null);

            TopWordsReadModel topWords = new TopWordsReadModel(JSON);
            CategoriesReadModel categories = new CategoriesReadModel(JSON);
            TopPagesReadModel topPages = new TopPagesReadModel(JSON, AggregatesProperties.defaults());
            ConversionsReadModel conversions = new ConversionsReadModel(JSON, AggregatesProperties.defaults());
            ReadModelsReader reader = new ReadModelsReader(topWords, categories, topPages, conversions, JSON,
                new KafkaClients(environment), names, applicationId, Optional.empty());
            try {
                await("the categories read to the end").atMost(WAIT).until(categories::ready);
                await("the top pages read to the end").atMost(WAIT).until(topPages::ready);
                await("the top words answering").atMost(WAIT).until(topWords::answers);
                String top = topWords.answer(10);
                assertTrue(top.startsWith("{\"items\":[{\"word\":\"apple\",\"count\":3}]"),
                    "the word list read while the changelog does not exist: " + top);
                assertFalse(conversions.ready(), "a changelog that does not exist is not read to its end");
                assertFalse(conversions.answers());

                kafka.createTopics(List.of(changelog), 1);
                kafka.send(changelog, ConversionsReadModelTest.key(0, 1_000, 0),
                    ConversionsReadModelTest.value("book"), null);
                // The reader may reach the new topic's end before the record is in it: it answers, then shows it.
                await().atMost(WAIT).until(() -> conversions.answers() && !conversions.answer(10).contains("[]"));
                assertTrue(conversions.answer(10).startsWith("{\"items\":[{\"product\":\"book\"}]"),
                    "the changelog read once it was created: " + conversions.answer(10));
                assertTrue(topWords.answers(), "the other models still answer");
            } finally {
                reader.close();
            }
        }
    }
}
