package dev.pulse.ingest;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestIntegrationTest implements RealServers {

    private static final String API_KEY = "test-key-" + UUID.randomUUID();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    @Client("/")
    HttpClient http;

    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();

    @Override
    public Map<String, String> extraProperties() {
        return Map.of("pulse.api.key", API_KEY);
    }

    @AfterAll
    void closeClient() {
        kafka.close();
    }

    /** stream, body with a %s marker, topic, expected key (null: none). */
    static Stream<Arguments> samples() {
        return Stream.of(
            Arguments.of("words", "{\"word\": \"%s\"}", Topics.WORD_COUNTS, null),
            Arguments.of("sensors", "{\"device_id\": \"sensor-%s\", \"temperature\": 52.5, \"timestamp\": 1700000000}",
                Topics.REAL_TIME_DATA, "sensor-%s"),
            Arguments.of("records", "{\"id\": 1, \"timestamp\": 1700000000, \"value\": 10, \"category\": \"%s\"}",
                Topics.INPUT_TOPIC, null),
            Arguments.of("user-events", "{\"user_id\": \"u-%s\", \"event_type\": \"page_view\", "
                + "\"event_data\": {\"page\": \"/products\", \"duration\": 45}, \"timestamp\": \"2025-01-15T10:00:00\"}",
                Topics.USER_EVENTS, "u-%s"),
            Arguments.of("clicks", "{\"user\": \"%s\", \"page\": \"/home\", \"product\": \"product-1\", \"timestamp\": 1609459200}",
                Topics.USER_CLICKS, "%s"),
            Arguments.of("purchases", "{\"user\": \"%s\", \"product\": \"product-1\", \"amount\": 999.0, \"timestamp\": 1609459260}",
                Topics.PURCHASES, "%s"),
            Arguments.of("profiles", "{\"user\": \"%s\", \"name\": \"Alice\", \"age\": 25}", Topics.USER_PROFILES, "%s"),
            Arguments.of("products", "{\"product_id\": \"%s\", \"name\": \"Laptop\", \"price\": 999}",
                Topics.PRODUCT_CATALOG, "%s"),
            Arguments.of("transactions", "{\"transaction_id\": \"t-%s\", \"card_id\": \"c-%s\", \"amount\": 120.5, "
                + "\"currency\": \"EUR\", \"merchant\": \"m-9\", \"country\": \"DE\", \"timestamp\": 1700000000}",
                Topics.TRANSACTIONS, "c-%s"),
            Arguments.of("thresholds", "{\"device_id\": \"%s\", \"threshold\": 60.0, \"hysteresis\": 5.0}",
                Topics.DEVICE_THRESHOLDS, "%s"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void publishesEachStreamToItsTopicKeyedAsTheContractSays(String stream, String bodyTemplate, String topic,
                                                             String keyTemplate) {
        String marker = "m" + UUID.randomUUID().toString().replace("-", "");
        HttpResponse<Map> response = http.toBlocking().exchange(post(stream, bodyTemplate.formatted(marker, marker)), Map.class);

        assertEquals(HttpStatus.ACCEPTED, response.getStatus());
        assertEquals(1, ((Number) response.body().get("accepted")).intValue());
        Received record = awaitMarker(topic, marker);
        assertEquals(keyTemplate == null ? null : keyTemplate.formatted(marker), record.key());
        if (List.of("profiles", "products", "thresholds").contains(stream)) {
            assertFalse(record.value().contains("\"user\"") || record.value().contains("\"product_id\"")
                || record.value().contains("\"device_id\""), "the key field stays out of the value: " + record.value());
        }
    }

    @Test
    void acceptsAnArrayAndAPlainTextLine() {
        String marker = "m" + UUID.randomUUID().toString().replace("-", "");
        String array = "[{\"word\": \"a%1$s\"}, {\"word\": \"b%1$s\"}, \"plain %1$s line\"]".formatted(marker);
        HttpResponse<Map> response = http.toBlocking().exchange(post("words", array), Map.class);
        assertEquals(3, ((Number) response.body().get("accepted")).intValue());

        HttpResponse<Map> text = http.toBlocking().exchange(
            post("words", "Text " + marker + " line").contentType(MediaType.TEXT_PLAIN_TYPE), Map.class);
        assertEquals(1, ((Number) text.body().get("accepted")).intValue());

        List<Received> read = kafka.readUntil(Topics.WORD_COUNTS,
            r -> r.stream().filter(x -> x.value().contains(marker)).count() >= 4, WAIT);
        List<String> values = read.stream().map(Received::value).filter(v -> v.contains(marker)).toList();
        assertTrue(values.contains("plain " + marker + " line"), "a JSON string goes out as the plain line: " + values);
        assertTrue(values.contains("Text " + marker + " line"), values::toString);
        assertEquals(4, values.size(), values::toString);
    }

    @Test
    void rejectsTheWholeRequestWhenOneElementIsInvalidAndPublishesNothingOfIt() {
        String rejected = "r" + UUID.randomUUID().toString().replace("-", "");
        String body = "[{\"device_id\": \"%s\", \"temperature\": 20}, {\"device_id\": \"d2\", \"temperature\": \"hot\"}]"
            .formatted(rejected);

        HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
            () -> http.toBlocking().exchange(post("sensors", body), Map.class));
        assertEquals(HttpStatus.BAD_REQUEST, e.getStatus());
        String error = (String) e.getResponse().getBody(Map.class).orElseThrow().get("error");
        assertEquals("event [1]: field 'temperature': expected a number, got string \"hot\"", error);

        // A later accepted request marks how far to read: the rejected one must not be before it.
        String sentinel = "s" + UUID.randomUUID().toString().replace("-", "");
        http.toBlocking().exchange(post("sensors", "{\"device_id\": \"%s\", \"temperature\": 20}".formatted(sentinel)));
        List<Received> read = kafka.readUntil(Topics.REAL_TIME_DATA,
            r -> r.stream().anyMatch(x -> sentinel.equals(x.key())), WAIT);
        assertTrue(read.stream().anyMatch(x -> sentinel.equals(x.key())), "sentinel arrived");
        assertFalse(read.stream().anyMatch(x -> rejected.equals(x.key())), "nothing of the rejected request");
    }

    @Test
    void leavesNoTransactionMarkersOnTheInputTopicsForKafkaPythonConsumers() {
        // A commit marker takes an offset of its own: two requests for one device, one after the other,
        // must land on consecutive offsets of that device's partition.
        String device = "m" + UUID.randomUUID().toString().replace("-", "");
        String body = "{\"device_id\": \"%s\", \"temperature\": 21}".formatted(device);
        http.toBlocking().exchange(post("sensors", body));
        http.toBlocking().exchange(post("sensors", body));
        List<Received> mine = kafka.readUntil(Topics.REAL_TIME_DATA,
            r -> r.stream().filter(x -> device.equals(x.key())).count() == 2, WAIT).stream()
            .filter(x -> device.equals(x.key())).toList();
        assertEquals(2, mine.size());
        assertEquals(mine.get(0).partition(), mine.get(1).partition());
        assertEquals(mine.get(0).offset() + 1, mine.get(1).offset(), "no marker between the two requests");
    }

    @Test
    void answersBadJsonWithTheReason() {
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
            () -> http.toBlocking().exchange(post("records", "{\"value\": 1, \"category\": "), Map.class));
        assertEquals(HttpStatus.BAD_REQUEST, e.getStatus());
        assertTrue(e.getResponse().getBody(Map.class).orElseThrow().get("error").toString().startsWith("not valid JSON"));
    }

    @Test
    void answersAnUnknownStreamWith404() {
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
            () -> http.toBlocking().exchange(post("nope", "{}"), Map.class));
        assertEquals(HttpStatus.NOT_FOUND, e.getStatus());
    }

    @Test
    void refusesWritesWithoutTheRightApiKey() {
        String body = "{\"word\": \"x\"}";
        HttpClientResponseException missing = assertThrows(HttpClientResponseException.class,
            () -> http.toBlocking().exchange(HttpRequest.POST("/api/events/words", body)
                .contentType(MediaType.APPLICATION_JSON_TYPE), Map.class));
        assertEquals(HttpStatus.UNAUTHORIZED, missing.getStatus());
        HttpClientResponseException wrong = assertThrows(HttpClientResponseException.class,
            () -> http.toBlocking().exchange(HttpRequest.POST("/api/events/words", body)
                .contentType(MediaType.APPLICATION_JSON_TYPE).header("X-API-Key", "wrong"), Map.class));
        assertEquals(HttpStatus.UNAUTHORIZED, wrong.getStatus());
    }

    private static io.micronaut.http.MutableHttpRequest<String> post(String stream, String body) {
        return HttpRequest.POST("/api/events/" + stream, body)
            .contentType(MediaType.APPLICATION_JSON_TYPE)
            .header("X-API-Key", API_KEY);
    }

    private Received awaitMarker(String topic, String marker) {
        List<Received> read = kafka.readUntil(topic,
            r -> r.stream().anyMatch(x -> x.value() != null && x.value().contains(marker)
                || x.key() != null && x.key().contains(marker)), WAIT);
        return read.stream()
            .filter(x -> x.value() != null && x.value().contains(marker) || x.key() != null && x.key().contains(marker))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no record with " + marker + " on " + topic));
    }
}
