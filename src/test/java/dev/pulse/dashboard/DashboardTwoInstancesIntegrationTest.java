package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.Ports;
import dev.pulse.testkit.RealServers;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.client.HttpClient;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Pulse instances share one Streams application, each holding part of the word counts: either
 * one answers every word right (asking the other for the words it holds) and lists the top words of
 * both.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardTwoInstancesIntegrationTest {

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final List<ApplicationContext> instances = new ArrayList<>();
    private final List<HttpClient> clients = new ArrayList<>();
    private final Map<String, Integer> expected = new LinkedHashMap<>();
    private final Map<String, List<Double>> categories = new LinkedHashMap<>();
    /** The newer minute's page views (its start in epoch seconds). */
    private static final long PAGES_MINUTE = 1_700_000_040L;
    private final Map<String, Integer> pageViews = new LinkedHashMap<>();
    private KafkaTestClient kafka;

    @BeforeAll
    void startTwoInstances() throws IOException {
        for (int i = 0; i < 2; i++) {
            int port = Ports.free();
            Map<String, Object> properties = new HashMap<>(RealServers.serverProperties());
            properties.put("micronaut.server.port", port);
            properties.put("kafka.streams.default.application.id", "pulse-two-instances-" + id);
            properties.put("pulse.topics." + Topics.WORD_COUNTS, "word-counts-two-" + id);
            properties.put("pulse.topics." + Topics.WORD_TOTALS, "word-totals-two-" + id);
            properties.put("pulse.topics." + Topics.INPUT_TOPIC, "input-topic-two-" + id);
            properties.put("pulse.topics." + Topics.AGGREGATED_TOPIC, "aggregated-topic-two-" + id);
            properties.put("pulse.topics." + Topics.USER_EVENTS, "user-events-two-" + id);
            properties.put("pulse.topics." + Topics.TOP_PAGES, "top-pages-two-" + id);
            for (String listener : new String[] {"transform", "sensor", "thresholds", "fraud", "catalog"}) {
                properties.put("pulse.listeners." + listener + ".enabled", "false");
            }
            ApplicationContext context = ApplicationContext.builder().environments("test").properties(properties).start();
            context.getBean(EmbeddedServer.class).start();
            instances.add(context);
            clients.add(HttpClient.create(new URL("http://localhost:" + port)));
        }
        kafka = KafkaTestClient.forTestBroker();
        for (int w = 0; w < 30; w++) {
            String word = "w" + w + "x" + id;
            expected.put(word, 1 + w % 3);
            for (int n = 0; n < 1 + w % 3; n++) {
                kafka.send("word-counts-two-" + id, null, "{\"word\": \"" + word + "\"}");
            }
        }
        for (int c = 0; c < 12; c++) {
            String category = "c" + c + "x" + id;
            for (int n = 0; n <= c % 4; n++) {
                double value = c * 10 + n;
                categories.computeIfAbsent(category, k -> new ArrayList<>()).add(value);
                kafka.send("input-topic-two-" + id, null,
                    "{\"id\": " + n + ", \"timestamp\": 1700000000, \"value\": " + value + ", \"category\": \"" + category + "\"}");
            }
        }
        // Page views of two minutes: the newer one's pages are the top pages.
        for (int p = 0; p < 6; p++) {
            for (int n = 0; n <= p % 3; n++) {
                kafka.send("user-events-two-" + id, Integer.toString(p), "{\"user_id\": " + p + ", \"event_type\": "
                    + "\"page_view\", \"event_data\": {\"page\": \"/old" + p + "\"}, \"timestamp\": " + (PAGES_MINUTE - 60 + n) + "}");
                kafka.send("user-events-two-" + id, Integer.toString(p), "{\"user_id\": " + p + ", \"event_type\": "
                    + "\"page_view\", \"event_data\": {\"page\": \"/p" + p + "\"}, \"timestamp\": " + (PAGES_MINUTE + n) + "}");
                pageViews.merge("/p" + p, 1, Integer::sum);
            }
        }
    }

    @AfterAll
    void stop() {
        clients.forEach(HttpClient::close);
        instances.forEach(ApplicationContext::close);
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void eitherInstanceAnswersEveryWordAndTheTopWordsOfBoth() throws Exception {
        JsonMapper json = instances.get(0).getBean(JsonMapper.class);
        KafkaStreams first = instances.get(0).getBean(KafkaStreams.class);
        int secondPort = instances.get(1).getBean(EmbeddedServer.class).getPort();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
            instances.stream().allMatch(c -> c.getBean(KafkaStreams.class).state() == KafkaStreams.State.RUNNING)
                && expected.keySet().stream().anyMatch(word -> first.queryMetadataForKey(AggregateStores.WORD_COUNTS,
                    word, Serdes.String().serializer()).activeHost().port() == secondPort));

        for (HttpClient client : clients) {
            for (Map.Entry<String, Integer> word : expected.entrySet()) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                    Map<?, ?> answer = json.readValue(client.toBlocking().retrieve("/api/words/" + word.getKey()), Map.class);
                    assertEquals(word.getValue(), ((Number) answer.get("count")).intValue(), word.getKey());
                });
            }
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> assertEquals(ranked(30),
                json.readValue(client.toBlocking().retrieve("/api/words?top=1000"), Map.class).get("items"),
                "every word of both instances, larger count first, ties by word"));
        }
    }

    @Test
    void eachInstanceAnswersTheTopWordsFromItsReadModelExactlyWhenTheCutFallsInATieAcrossBothInstances() throws Exception {
        JsonMapper json = instances.get(0).getBean(JsonMapper.class);
        KafkaStreams first = instances.get(0).getBean(KafkaStreams.class);
        int secondPort = instances.get(1).getBean(EmbeddedServer.class).getPort();
        List<Map<String, Object>> top15 = ranked(15); // ten words counted 3, then five of the ten counted 2
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
            instances.stream().allMatch(c -> c.getBean(KafkaStreams.class).state() == KafkaStreams.State.RUNNING)
                && top15.stream().map(item -> holderPort(first, (String) item.get("word"))).distinct().count() == 2);

        for (int i = 0; i < 2; i++) {
            int instance = i;
            HttpClient client = clients.get(i);
            TopWordsReadModel model = instances.get(i).getBean(TopWordsReadModel.class);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                assertTrue(model.answers(), "the read model has read every partition's list");
                Map<?, ?> top = json.readValue(client.toBlocking().retrieve("/api/words?top=15"), Map.class);
                assertEquals(top15, top.get("items"), "instance " + instance);
                assertEquals("state", top.get("source"));
                assertTrue(((Number) top.get("as_of")).longValue() > 0);
            });
        }
        assertTrue(top15.stream().anyMatch(item -> holderPort(first, (String) item.get("word")) == secondPort),
            "the answer spans words held by the second instance");
    }

    @Test
    void eachInstanceAnswersEveryCategoryOfBothFromItsReadModel() throws Exception {
        JsonMapper json = instances.get(0).getBean(JsonMapper.class);
        KafkaStreams first = instances.get(0).getBean(KafkaStreams.class);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
            instances.stream().allMatch(c -> c.getBean(KafkaStreams.class).state() == KafkaStreams.State.RUNNING)
                && categories.keySet().stream().map(category -> first.queryMetadataForKey(
                    AggregateStores.CATEGORY_AGGREGATES, category, Serdes.String().serializer()).activeHost().port())
                    .distinct().count() == 2);
        // Computed here from what was sent: largest count first, ties by category.
        List<Map<String, Object>> all = categories.entrySet().stream()
            .sorted(Map.Entry.<String, List<Double>>comparingByValue((a, b) -> Integer.compare(b.size(), a.size()))
                .thenComparing(Map.Entry.comparingByKey()))
            .map(e -> {
                Map<String, Object> item = new LinkedHashMap<>();
                double sum = e.getValue().stream().mapToDouble(Double::doubleValue).sum();
                item.put("category", e.getKey());
                item.put("count", e.getValue().size());
                item.put("sum", sum);
                item.put("average", sum / e.getValue().size());
                item.put("min", e.getValue().stream().mapToDouble(Double::doubleValue).min().orElseThrow());
                item.put("max", e.getValue().stream().mapToDouble(Double::doubleValue).max().orElseThrow());
                return item;
            })
            .toList();

        for (int i = 0; i < 2; i++) {
            int instance = i;
            HttpClient client = clients.get(i);
            CategoriesReadModel model = instances.get(i).getBean(CategoriesReadModel.class);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                assertTrue(model.answers(), "the read model has read every partition's whole list");
                Map<?, ?> answer = json.readValue(client.toBlocking().retrieve("/api/categories"), Map.class);
                assertEquals(all, answer.get("items"), "instance " + instance);
                assertEquals("state", answer.get("source"));
            });
        }
    }

    @Test
    void eachInstanceAnswersTheNewestWindowsTopPagesFromItsReadModel() throws Exception {
        JsonMapper json = instances.get(0).getBean(JsonMapper.class);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
            instances.stream().allMatch(c -> c.getBean(KafkaStreams.class).state() == KafkaStreams.State.RUNNING));
        // Computed here from what was sent: most views first, ties by page.
        List<Map<String, Object>> top4 = pageViews.entrySet().stream()
            .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
            .limit(4)
            .map(e -> Map.<String, Object>of("page", e.getKey(), "views", e.getValue()))
            .toList();

        for (int i = 0; i < 2; i++) {
            int instance = i;
            HttpClient client = clients.get(i);
            TopPagesReadModel model = instances.get(i).getBean(TopPagesReadModel.class);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                assertTrue(model.answers(), "the read model has read every partition's window");
                Map<?, ?> answer = json.readValue(client.toBlocking().retrieve("/api/pages/top?n=4"), Map.class);
                assertEquals(PAGES_MINUTE, ((Number) answer.get("window_start")).longValue(), "instance " + instance);
                assertEquals(PAGES_MINUTE + 60, ((Number) answer.get("window_end")).longValue());
                assertEquals(top4, answer.get("pages"), "instance " + instance);
                assertEquals("state", answer.get("source"));
            });
        }
    }

    /** The first {@code n} expected words in the contract's order: larger count first, ties by word. */
    private List<Map<String, Object>> ranked(int n) {
        return expected.entrySet().stream()
            .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
            .limit(n)
            .map(e -> Map.<String, Object>of("word", e.getKey(), "count", e.getValue()))
            .toList();
    }

    private static int holderPort(KafkaStreams streams, String word) {
        return streams.queryMetadataForKey(AggregateStores.WORD_COUNTS, word, Serdes.String().serializer()).activeHost().port();
    }
}
