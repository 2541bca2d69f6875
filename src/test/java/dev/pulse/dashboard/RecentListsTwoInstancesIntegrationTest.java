package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.kafka.Topics;
import dev.pulse.security.PeerSignature;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.Ports;
import dev.pulse.testkit.RealServers;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An instance that joins a running one after the lists it is asked for were made answers them as the running one
 * does: a user's enriched clicks and the latest click→purchase matches come from the topology's stores (restored or
 * asked of the instance holding them), not from what the new instance replayed of the output topics. Each instance
 * replays two records per output partition at start ({@code pulse.dashboard.replay-per-partition=2}), and more than
 * that follow the records asked for on every partition, so a replayed view cannot hold them.
 *
 * <p>The joining instance is asked first (the instances share Redis: an answer the first one cached would hide the
 * second's), and every answer it gives is a 503 while it starts or the right answer, worked out here from what was
 * sent. A question forwarded to an instance that does not hold the key (its asker's metadata out of date) is a 503,
 * not the key read as absent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecentListsTwoInstancesIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int PARTITIONS = 3;
    private static final int REPLAY = 2;
    private static final long T = 1_700_000_000L;

    private final IsolatedTopics topics = new IsolatedTopics();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();
    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.createDefault();
    private final List<ApplicationContext> instances = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    /** User → the user's enriched clicks as the API must list them. */
    private final Map<String, List<Map<String, Object>>> clicksOf = new LinkedHashMap<>();
    /** The matches as the API must list them, newest first. */
    private final List<Map<String, Object>> matches = new ArrayList<>();

    @BeforeAll
    void oneInstanceMakesTheListsThenASecondJoins() throws Exception {
        start();
        awaitRunning(instances.get(0));

        // Two clicks of a user on each partition, in 2021; then more than the replay of other users' clicks.
        for (int p = 0; p < PARTITIONS; p++) {
            String user = userOn(p, "asked");
            for (int n = 0; n < 2; n++) {
                long ts = 1_609_459_200L + 10L * p + n;
                click(user, "/page-" + n, null, ts);
                clicksOf.computeIfAbsent(user, u -> new ArrayList<>()).add(0, enriched(user, "/page-" + n, ts));
            }
        }
        for (int p = 0; p < PARTITIONS; p++) {
            for (int n = 0; n <= REPLAY + 1; n++) {
                click(userOn(p, "other" + n), "/later", null, T + n);
            }
        }
        // The newest match of all first, then more than the replay of older ones on its partition (within the join's
        // grace, so they still match), and older ones on the other partitions.
        buy(userOn(0, "newest"), T + 5000, T + 5060);
        for (int k = 1; k <= REPLAY + 3; k++) {
            buy(userOn(0, "older" + k), T + 4990 + k, T + 5050 + k);
        }
        for (int k = 1; k <= 4; k++) {
            buy(userOn(1 + k % 2, "elsewhere" + k), T + 100 + k, T + 160 + k);
        }
        matches.sort(Comparator.comparingLong((Map<String, Object> m) -> (Long) m.get("at")).reversed());
        matches.forEach(m -> m.remove("at"));

        int clicks = 2 * PARTITIONS + PARTITIONS * (REPLAY + 2) + 1 + (REPLAY + 3) + 4;
        kafka.awaitRecords(topics.name(Topics.ENRICHED_CLICKS), clicks, WAIT);
        kafka.awaitRecords(topics.name(Topics.CLICK_PURCHASES), matches.size(), WAIT);

        start();
        // Both instances hold partitions of the click joins (asked of a store the builds before this one had too).
        KafkaStreams joined = instances.get(1).getBean(KafkaStreams.class);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
            instances.stream().allMatch(c -> c.getBean(KafkaStreams.class).state() == KafkaStreams.State.RUNNING)
                && clicksOf.keySet().stream().map(user -> joined.queryMetadataForKey(AggregateStores.HOME_CLICKS, user,
                    Serdes.String().serializer()).activeHost().port()).collect(Collectors.toSet())
                    .equals(Set.copyOf(ports)));
    }

    @AfterAll
    void stop() {
        instances.forEach(ApplicationContext::close);
        kafka.close();
    }

    @Test
    void anInstanceThatJoinsAfterAUsersClicksLeftEveryReplayWindowListsThemAll() throws Exception {
        for (int instance : new int[] {1, 0}) {
            for (Map.Entry<String, List<Map<String, Object>>> user : clicksOf.entrySet()) {
                Map<?, ?> answer = rightOr503(instance, "/api/users/" + user.getKey() + "/clicks/enriched?limit=10");
                assertEquals(user.getValue(), answer.get("items"), "instance " + instance + ", " + user.getKey());
            }
        }
    }

    @Test
    void anInstanceThatJoinsAfterwardsListsTheNewestMatchesOfEveryPartition() throws Exception {
        for (int instance : new int[] {1, 0}) {
            assertEquals(matches, rightOr503(instance, "/api/conversions?limit=1000").get("items"), "instance " + instance);
            assertEquals(matches.subList(0, 3), rightOr503(instance, "/api/conversions?limit=3").get("items"));
        }
        // The same from each instance's read model, without asking the other: the matches were on click-purchases,
        // read_committed, before the second instance started, so the store's changelog, written in the same
        // transactions, holds them too.
        for (int instance : new int[] {1, 0}) {
            ConversionsReadModel model = instances.get(instance).getBean(ConversionsReadModel.class);
            await().atMost(WAIT).until(model::answers);
            assertEquals(matches, json.readValue(model.answer(1000), Map.class).get("items"), "instance " + instance);
            assertEquals("state", rightOr503(instance, "/api/conversions?limit=1000").get("source"),
                "the endpoint answers the model's (a stores' answer would be cached, then \"cache\")");
        }
    }

    @Test
    void aQuestionForwardedToAnInstanceThatDoesNotHoldTheKeyIsA503NotAnEmptyAnswer() throws Exception {
        // What an instance asks on metadata that a rebalance has changed since: the key's partition moved away.
        KafkaStreams second = instances.get(1).getBean(KafkaStreams.class);
        String user = clicksOf.keySet().stream().filter(u -> second.queryMetadataForKey(AggregateStores.HOME_CLICKS, u,
            Serdes.String().serializer()).activeHost().port() == ports.get(0)).findFirst().orElseThrow();
        PeerSignature signature = instances.get(1).getBean(PeerSignature.class);
        for (String path : List.of("/api/users/" + user + "/clicks/enriched", "/api/users/" + user + "/home-clicks",
            "/api/users/" + user + "/sessions")) {
            HttpRequest.Builder forwarded = HttpRequest.newBuilder(URI.create("http://localhost:" + ports.get(1) + path));
            signature.headers("GET", path).forEach(forwarded::header);
            HttpResponse<String> answer = http.send(forwarded.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, answer.statusCode(), path + ": " + answer.body());
            assertEquals("5", answer.headers().firstValue("Retry-After").orElse(null), path);
        }
    }

    /** The first answer that is not a 503 (the instance is starting or rebalancing); it must be a 200. */
    private Map<?, ?> rightOr503(int instance, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + ports.get(instance) + path)).build();
        HttpResponse<String>[] answer = new HttpResponse[1];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            answer[0] = http.send(request, HttpResponse.BodyHandlers.ofString());
            return answer[0].statusCode() != 503;
        });
        assertEquals(200, answer[0].statusCode(), path + ": " + answer[0].body());
        return json.readValue(answer[0].body(), Map.class);
    }

    private void start() throws IOException {
        int port = Ports.free();
        Map<String, Object> properties = new HashMap<>(RealServers.serverProperties());
        properties.putAll(topics.allTopicsProperties());
        properties.put("micronaut.server.port", port);
        properties.put("kafka.streams.default.application.id", "pulse-recent-lists-" + topics.suffix());
        properties.put("pulse.kafka.partitions", PARTITIONS);
        properties.put("pulse.redis.prefix", "it-recent-" + topics.suffix());
        // What the builds that answered these lists from a replayed view replayed; this one only re-announces them.
        properties.put("pulse.dashboard.replay-per-partition", REPLAY);
        for (String listener : new String[] {"transform", "sensor", "thresholds", "fraud", "catalog"}) {
            properties.put("pulse.listeners." + listener + ".enabled", "false");
        }
        ApplicationContext context = ApplicationContext.builder().environments("test").properties(properties).start();
        context.getBean(EmbeddedServer.class).start();
        instances.add(context);
        ports.add(port);
    }

    private static void awaitRunning(ApplicationContext instance) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
            .until(() -> instance.getBean(KafkaStreams.class).state() == KafkaStreams.State.RUNNING);
    }

    private void click(String user, String page, String product, long ts) {
        kafka.send(topics.name(Topics.USER_CLICKS), user, "{\"user\": \"" + user + "\", \"page\": \"" + page + "\""
            + (product == null ? "" : ", \"product\": \"" + product + "\"") + ", \"timestamp\": " + ts + "}");
    }

    /** A click on a product and its purchase: one match, at the purchase's time. */
    private void buy(String user, long clicked, long bought) {
        String product = "product-" + user;
        click(user, "/buy", product, clicked);
        kafka.send(topics.name(Topics.PURCHASES), user, "{\"user\": \"" + user + "\", \"product\": \"" + product
            + "\", \"amount\": 10.0, \"timestamp\": " + bought + "}");
        Map<String, Object> match = new LinkedHashMap<>();
        match.put("user", user);
        match.put("clicked_product", product);
        match.put("purchased_product", product);
        match.put("time_diff", (int) (bought - clicked));
        match.put("at", bought);
        matches.add(match);
    }

    /** The click as enriched without a profile (none is sent) or a product. */
    private static Map<String, Object> enriched(String user, String page, long ts) {
        Map<String, Object> click = new LinkedHashMap<>();
        click.put("user", user);
        click.put("page", page);
        click.put("timestamp", (int) ts);
        click.put("user_name", null);
        click.put("user_age", null);
        return click;
    }

    /** A user of this test whose clicks and matches the topology keeps on {@code partition}. */
    private String userOn(int partition, String name) {
        for (int i = 0; ; i++) {
            String user = name + "-" + i + "-" + topics.suffix();
            if (Utils.toPositive(Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % PARTITIONS == partition) {
                return user;
            }
        }
    }
}
