package dev.pulse.aggregates;

import dev.pulse.deadletters.DeadLetter;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.Environment;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalog's dead letters come from {@link ProductCatalogListener}, so a bad catalog record is dead-lettered once
 * even when it arrived while Pulse was down (Kafka Streams fills the global table from its topic without reading the
 * records, so no deserialization handler would ever see it), and not again after a restart.
 */
class ProductCatalogListenerIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void deadLettersCatalogRecordsThatArrivedWhilePulseWasDownOnceEach() throws Exception {
        IsolatedTopics topics = new IsolatedTopics();
        String catalog = topics.name(Topics.PRODUCT_CATALOG);
        String deadLetters = topics.name(Topics.DEAD_LETTER_QUEUE);
        Map<String, Object> properties = new HashMap<>(RealServers.serverProperties());
        properties.putAll(topics.allTopicsProperties());
        try (KafkaTestClient kafka = KafkaTestClient.forTestBroker()) {
            // Before any Pulse runs: one good product, two bad ones, a deletion.
            kafka.send(catalog, "p-good", "{\"name\": \"Laptop\", \"price\": 999}");
            kafka.send(catalog, "p-text", "Laptop 999");
            kafka.send(catalog, "p-list", "[1, 2]");
            kafka.send(catalog, "p-gone", null);
            kafka.send(catalog, null, "{\"name\": \"Keyless\", \"price\": 1}");

            try (ApplicationContext pulse = ApplicationContext.run(properties, Environment.TEST)) {
                List<Received> letters = kafka.readUntil(deadLetters, r -> r.size() >= 3, WAIT);
                assertEquals(Map.of(
                        "p-text", "not valid JSON",
                        "p-list", "expected an object, got an array",
                        "(no key)", "expected the product id as the record key, got no key"),
                    errorsByKey(letters, catalog), "one dead letter per bad record, with its reason");
            }

            // A restart reads on from the committed offsets: a new bad record is dead-lettered, the old ones not again.
            kafka.send(catalog, "p-number", "42");
            try (ApplicationContext pulse = ApplicationContext.run(properties, Environment.TEST)) {
                kafka.awaitRecords(deadLetters, 4, WAIT);
                // A duplicate would be committed with the listener's offsets: once they are at the end, it would be in.
                kafka.awaitConsumed(topics.group("catalog"), catalog, WAIT);
                List<Received> letters = kafka.readToEnd(deadLetters);
                assertEquals(List.of("(no key)", "p-list", "p-number", "p-text"),
                    letters.stream().map(r -> r.key() == null ? "(no key)" : r.key()).sorted().toList(),
                    "each bad record once");
                assertTrue(letters.stream().allMatch(r -> catalog.equals(r.headers().get(DeadLetter.HEADER_SOURCE_TOPIC))));
            }
        }
    }

    /** Dead letters by key: the start of each reason (up to its first ':' or the end), checked against the source. */
    private static Map<String, String> errorsByKey(List<Received> letters, String source) {
        Map<String, String> errors = new HashMap<>();
        for (Received letter : letters) {
            assertEquals(source, letter.headers().get(DeadLetter.HEADER_SOURCE_TOPIC));
            String error = letter.headers().get(DeadLetter.HEADER_ERROR);
            errors.put(letter.key() == null ? "(no key)" : letter.key(),
                error.contains(":") ? error.substring(0, error.indexOf(':')) : error);
        }
        return errors;
    }
}
