package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.cluster.AdvertisedAddress;
import dev.pulse.kafka.Topics;
import dev.pulse.security.PeerSignature;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.context.ApplicationContext;
import io.micronaut.inject.qualifiers.Qualifiers;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Pulse instances bound to 127.0.0.1, reads protected by the API key: how reads travel between them. The first
 * advertises the address its server binds to; the second advertises a TCP proxy in front of it (an explicit
 * {@code application.server}), which the last test turns into a peer that is silent, failing or down while the
 * second instance's Streams keeps holding its partitions. A read forwarded to the instance holding the key is signed
 * and passes that instance's key check without the client's key; a forwarded marker a client sends is ignored; and
 * when the instance holding (part of) the answer cannot give it, the read is a 503 with {@code Retry-After} and the
 * reason, never a partial answer or a 500. The instances run with the shipped near cache: with the peer down, an
 * answer this instance keeps current (near, refreshed by its feed, or in Redis) is still given, since nothing needs
 * the peer for it, and any other is a 503.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardRoutingIntegrationTest {

    private static final String API_KEY = "routing-test-key";
    private static final String HOST = "127.0.0.1";

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final List<ApplicationContext> instances = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final Map<String, Integer> asked = new LinkedHashMap<>();
    /** Read first by the forwarded-marker test: not near or in Redis before it, so its reads go to the peer. */
    private final Map<String, Integer> marked = new LinkedHashMap<>();
    private final Map<String, Integer> reserved = new LinkedHashMap<>();
    private final HttpClient client = HttpClient.newHttpClient();
    private KafkaTestClient kafka;
    private JsonMapper json;
    private PeerProxy proxy;

    @BeforeAll
    void startTwoInstances() throws IOException {
        for (int i = 0; i < 2; i++) {
            int port = freePort();
            Map<String, Object> properties = new HashMap<>(RealServers.serverProperties());
            if (i == 1) {
                proxy = new PeerProxy(port);
                properties.put("kafka.streams.default.application.server", HOST + ":" + proxy.port());
            }
            properties.put("micronaut.server.host", HOST);
            properties.put("micronaut.server.port", port);
            properties.put("kafka.streams.default.application.id", "pulse-routing-" + id);
            properties.put("pulse.topics." + Topics.WORD_COUNTS, "word-counts-routing-" + id);
            properties.put("pulse.topics." + Topics.WORD_TOTALS, "word-totals-routing-" + id);
            properties.put("pulse.api.key", API_KEY);
            properties.put("pulse.api.protect-reads", "true");
            properties.put("pulse.cluster.peer-timeout", "1s");
            // What the first tests put near or in Redis is still there, unless changed, when the last one reads it.
            properties.put("pulse.dashboard.cache-ttl", "10m");
            for (String listener : new String[] {"transform", "sensor", "thresholds", "fraud", "catalog"}) {
                properties.put("pulse.listeners." + listener + ".enabled", "false");
            }
            ApplicationContext context = ApplicationContext.builder().environments("test").properties(properties).start();
            context.getBean(EmbeddedServer.class).start();
            instances.add(context);
            ports.add(port);
        }
        json = instances.get(0).getBean(JsonMapper.class);
        kafka = KafkaTestClient.forTestBroker();
        for (int w = 0; w < 90; w++) {
            String word = "r" + w + "x" + id;
            (w < 30 ? asked : w < 60 ? marked : reserved).put(word, 1 + w % 3);
            for (int n = 0; n < 1 + w % 3; n++) {
                kafka.send("word-counts-routing-" + id, null, "{\"word\": \"" + word + "\"}");
            }
        }
        KafkaStreams first = instances.get(0).getBean(KafkaStreams.class);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
            instances.stream().allMatch(c -> c.getBean(KafkaStreams.class).state() == KafkaStreams.State.RUNNING)
                && !onSecond(first, asked.keySet()).isEmpty() && !onSecond(first, marked.keySet()).isEmpty()
                && onSecond(first, reserved.keySet()).size() >= 4
                && onSecond(first, reserved.keySet()).size() < reserved.size());
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        instances.forEach(ApplicationContext::close);
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void advertisesTheAddressTheServerBindsToUnlessAnEndpointIsConfigured() {
        assertEquals(HOST + ":" + ports.get(0), applicationServer(instances.get(0)));
        assertEquals(AdvertisedAddress.Source.SERVER_HOST, instances.get(0).getBean(AdvertisedAddress.class).source());
        assertEquals(HOST + ":" + proxy.port(), applicationServer(instances.get(1)), "an explicit one is kept");
    }

    @Test
    @Order(2)
    void forwardedReadsAreSignedSoTheyPassProtectedReadsWithoutTheClientsKey() throws Exception {
        for (Map.Entry<String, Integer> word : asked.entrySet()) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                HttpResponse<String> answer = get(0, "/api/words/" + word.getKey(), Map.of("X-API-Key", API_KEY));
                assertEquals(200, answer.statusCode(), answer.body());
                assertEquals(word.getValue(), ((Number) body(answer).get("count")).intValue(), word.getKey());
            });
        }
        awaitTopListing(() -> get(0, "/api/words?top=1000", Map.of("X-API-Key", API_KEY)));

        // What the first instance sends the second, without a client key: accepted; a changed signature is not.
        // (A word the second holds: one it does not is a 503, not a count of 0.)
        String path = "/api/words/" + onSecond(instances.get(0).getBean(KafkaStreams.class), asked.keySet()).get(0);
        Map<String, String> signed = instances.get(0).getBean(PeerSignature.class).headers("GET", path);
        assertEquals(200, get(1, path, signed).statusCode());
        Map<String, String> forged = new HashMap<>(signed);
        String signature = signed.get(PeerSignature.SIGNATURE);
        forged.put(PeerSignature.SIGNATURE, (signature.charAt(0) == 'A' ? "B" : "A") + signature.substring(1));
        assertEquals(401, get(1, path, forged).statusCode());
        assertEquals(401, get(1, path, Map.of(PeerSignature.FORWARDED, "true")).statusCode());
    }

    @Test
    @Order(3)
    void aForwardedMarkerFromOutsideIsIgnoredAndTheReadRoutedAsAnyOther() throws Exception {
        Map<String, String> withMarker = Map.of("X-API-Key", API_KEY, PeerSignature.FORWARDED, "true");
        KafkaStreams first = instances.get(0).getBean(KafkaStreams.class);
        for (String word : onSecond(first, marked.keySet())) {
            HttpResponse<String> answer = get(0, "/api/words/" + word, withMarker);
            assertEquals(200, answer.statusCode(), answer.body());
            assertEquals(marked.get(word), ((Number) body(answer).get("count")).intValue(),
                word + " is held by the other instance: asked there, not answered 0 here");
            assertEquals("state", body(answer).get("source"), word + ": computed by the peer, not found in a cache");
        }
        awaitTopListing(() -> get(0, "/api/words?top=997", withMarker));
    }

    @Test
    @Order(4)
    void aPeerThatIsSilentFailingOrDownMakesTheRead503WithRetryAfterNeverAPartialAnswer() throws Exception {
        KafkaStreams first = instances.get(0).getBean(KafkaStreams.class);
        List<String> onSecond = onSecond(first, reserved.keySet());
        String onFirst = reserved.keySet().stream().filter(w -> !onSecond.contains(w)).findFirst().orElseThrow();
        Map<String, String> key = Map.of("X-API-Key", API_KEY);
        String second = HOST + ":" + proxy.port();

        proxy.mode(PeerProxy.Mode.SILENT);
        assertUnavailable(get(0, "/api/words/" + onSecond.get(0), key), second, "did not answer within 1000 ms");

        proxy.mode(PeerProxy.Mode.FAIL);
        assertUnavailable(get(0, "/api/words/" + onSecond.get(1), key), second, "answered 500");

        proxy.down();
        assertUnavailable(get(0, "/api/words/" + onSecond.get(2), key), second, "cannot be reached");
        // The top words come whole from every partition's published list, which each instance reads itself: no
        // peer is asked, so none can make the answer partial.
        HttpResponse<String> top = get(0, "/api/words?top=995", key);
        assertEquals(200, top.statusCode(), top.body());
        asked.keySet().forEach(word -> assertTrue(top.body().contains(word), word + " listed with the peer down"));
        HttpResponse<String> own = get(0, "/api/words/" + onFirst, key);
        assertEquals(200, own.statusCode(), "a key this instance holds is still answered: " + own.body());
    }

    @Test
    @Order(5)
    void withThePeerDownAnAnswerKeptCurrentHereIsStillGivenAndFollowsItsChanges() throws Exception {
        KafkaStreams first = instances.get(0).getBean(KafkaStreams.class);
        Map<String, String> key = Map.of("X-API-Key", API_KEY);
        String second = HOST + ":" + proxy.port();

        // Read through this instance before the peer went down: kept near, and refreshed by this instance's own feed
        // as the peer, still counting behind its silent proxy, commits new totals.
        String near = onSecond(first, asked.keySet()).get(0);
        HttpResponse<String> before = get(0, "/api/words/" + near, key);
        assertEquals(200, before.statusCode(), before.body());
        assertEquals(asked.get(near), ((Number) body(before).get("count")).intValue(), near);
        assertEquals("cache", body(before).get("source"), near + ": answered here without the peer");
        kafka.send("word-counts-routing-" + id, null, "{\"word\": \"" + near + "\"}");
        int after = asked.get(near) + 1;
        List<String> wrong = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> answer = get(0, "/api/words/" + near, key);
            if (answer.statusCode() == 503) {
                // Between the feed marking the word changed and keeping its new total, the kept answer is out of
                // date and only the peer could give the current one.
                assertUnavailable(answer, second, "cannot be reached");
                return false;
            }
            Map<?, ?> body = body(answer);
            Object count = body.get("count");
            boolean right = answer.statusCode() == 200 && "cache".equals(body.get("source"))
                && count instanceof Number n && (n.intValue() == after - 1 || n.intValue() == after);
            if (!right) {
                wrong.add(answer.statusCode() + " " + answer.body());
            }
            return right && ((Number) count).intValue() == after;
        });
        assertEquals(List.of(), wrong, near + ": every answer the old total, the new one or a 503");

        // Read on the peer itself (its own key, so it keeps the answer in the Redis both share): current in Redis,
        // so this instance gives it; not asked for it before, so not near here.
        List<String> onSecond = onSecond(first, reserved.keySet());
        String inRedis = onSecond.get(3);
        HttpResponse<String> there = get(1, "/api/words/" + inRedis, key);
        assertEquals(200, there.statusCode(), there.body());
        assertEquals(reserved.get(inRedis), ((Number) body(there).get("count")).intValue(), inRedis);
        HttpResponse<String> here = get(0, "/api/words/" + inRedis, key);
        assertEquals(200, here.statusCode(), here.body());
        assertEquals(reserved.get(inRedis), ((Number) body(here).get("count")).intValue(), inRedis);
        assertEquals("cache", body(here).get("source"), inRedis + ": from Redis, the peer not asked");

        // One this instance has no current answer for is still a 503, however often it is asked.
        for (int i = 0; i < 3; i++) {
            assertUnavailable(get(0, "/api/words/" + onSecond.get(2), key), second, "cannot be reached");
        }
    }

    /**
     * Waits until the top words (published once per commit interval) list every word sent with its count: every
     * count is then final in the stores, so a read of any word gives it.
     */
    private void awaitTopListing(java.util.concurrent.Callable<HttpResponse<String>> read) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            HttpResponse<String> top = read.call();
            assertEquals(200, top.statusCode(), top.body());
            List<?> items = (List<?>) body(top).get("items");
            for (Map<String, Integer> words : List.of(asked, marked, reserved)) {
                words.forEach((word, count) -> assertTrue(items.contains(Map.of("word", word, "count", count)),
                    word + " listed with " + count + ": both parts, not one"));
            }
        });
    }

    private void assertUnavailable(HttpResponse<String> answer, String peer, String reason) throws IOException {
        assertEquals(503, answer.statusCode(), answer.body());
        assertEquals(String.valueOf(Unavailable.RETRY_AFTER_SECONDS), answer.headers().firstValue("Retry-After").orElse(null));
        String error = (String) body(answer).get("error");
        assertTrue(error.contains(peer) && error.contains(reason), error);
    }

    private static String applicationServer(ApplicationContext context) {
        return context.getBean(ConfiguredStreamBuilder.class, Qualifiers.byName("default")).getConfiguration()
            .getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
    }

    /** The words of {@code words} that the second instance holds, by the first instance's metadata. */
    private List<String> onSecond(KafkaStreams first, java.util.Collection<String> words) {
        int secondPort = proxy.port();
        return words.stream().filter(word -> first.queryMetadataForKey(AggregateStores.WORD_COUNTS, word,
            Serdes.String().serializer()).activeHost().port() == secondPort).toList();
    }

    private HttpResponse<String> get(int instance, String path, Map<String, String> headers)
        throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + ports.get(instance) + path))
            .timeout(Duration.ofSeconds(30));
        headers.forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Map<?, ?> body(HttpResponse<String> response) throws IOException {
        return json.readValue(response.body(), Map.class);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * A TCP proxy in front of the second instance, the address the second instance advertises. Forwarding, it is that
     * instance; silent, it accepts connections and never answers; failing, it answers every request with a 500; down,
     * it refuses connections.
     */
    private static final class PeerProxy implements AutoCloseable {

        enum Mode { FORWARD, SILENT, FAIL }

        private final ServerSocket listener;
        private final int target;
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private volatile Mode mode = Mode.FORWARD;
        private volatile boolean down;

        PeerProxy(int target) throws IOException {
            this.target = target;
            this.listener = new ServerSocket(0, 50, InetAddress.getByName(HOST));
            daemon("peer-proxy", this::accept);
        }

        int port() {
            return listener.getLocalPort();
        }

        /** From now on, and for the connections the first instance keeps open too. */
        void mode(Mode next) {
            mode = next;
            closeConnections();
        }

        void down() {
            close();
        }

        @Override
        public void close() {
            down = true;
            try {
                listener.close();
            } catch (IOException ignored) {
                // closing
            }
            closeConnections();
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    // Added before the mode and the down flag are read, which change before the connections are
                    // closed: a connection accepted while either changes is closed with the others, or takes the new
                    // mode (or is closed at once, once down).
                    open.add(client);
                    if (down) {
                        closeQuietly(client);
                        return;
                    }
                    switch (mode) {
                        case FORWARD -> {
                            Socket server = new Socket(HOST, target);
                            open.add(server);
                            daemon("peer-proxy-out", () -> pump(client, server));
                            daemon("peer-proxy-in", () -> pump(server, client));
                        }
                        case SILENT -> {
                            // held open, never answered
                        }
                        case FAIL -> daemon("peer-proxy-fail", () -> fail(client));
                    }
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void fail(Socket client) {
            try {
                var in = new java.io.BufferedReader(new java.io.InputStreamReader(client.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII));
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    // the request's head; a GET has no body
                }
                if (down) {
                    client.close(); // down meanwhile: nothing answers any more
                    return;
                }
                byte[] body = "{\"message\": \"Internal Server Error\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                client.getOutputStream().write(("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                client.getOutputStream().write(body);
                client.close();
            } catch (IOException closed) {
                // the test moved on
            }
        }

        private static void pump(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException closed) {
                // either side went away
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }

        /** Closes every connection open now; one accepted meanwhile stays in the list (not cleared unclosed). */
        private void closeConnections() {
            for (Socket socket : open) {
                closeQuietly(socket);
                open.remove(socket);
            }
        }

        private static void closeQuietly(Socket socket) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }

        private static void daemon(String name, Runnable task) {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            thread.start();
        }
    }
}
