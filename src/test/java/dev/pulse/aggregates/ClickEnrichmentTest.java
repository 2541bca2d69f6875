package dev.pulse.aggregates;

import dev.pulse.deadletters.DeadLetter;
import dev.pulse.events.UserProfile;
import dev.pulse.kafka.Topics;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.click;
import static dev.pulse.aggregates.TopologyDriver.header;
import static dev.pulse.aggregates.TopologyDriver.purchase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ClickEnrichment}: clicks, purchases, profiles and the catalog → {@code enriched-clicks},
 * {@code enriched-purchases}, {@code click-purchases}, driven record by record with explicit event times.
 */
class ClickEnrichmentTest {

    @Test
    void enrichesClicksWithTheProfileAndTheCatalogProductAndKeepsClicksWithoutAProfile() {
        try (TopologyDriver topology = new TopologyDriver(ClickEnrichment::build)) {
            topology.send(Topics.USER_PROFILES, "alice", "{\"name\": \"Alice\", \"age\": 25}", T0);
            topology.send(Topics.PRODUCT_CATALOG, "product-1", "{\"name\": \"Laptop\", \"price\": 999}", T0);

            topology.send(Topics.USER_CLICKS, "alice", click("alice", "/home", "product-1", T0S + 1), T0);
            topology.send(Topics.USER_CLICKS, "bob", click("bob", "/products", null, T0S + 2), T0);
            topology.send(Topics.USER_CLICKS, "alice", click("alice", "/home", "product-404", T0S + 3), T0);
            topology.send(Topics.USER_PROFILES, "alice", null, T0);
            topology.send(Topics.USER_CLICKS, "alice", click("alice", "/home", null, T0S + 4), T0);

            assertEquals(List.of(
                KeyValue.pair("alice", "{\"user\":\"alice\",\"page\":\"/home\",\"product\":\"product-1\",\"timestamp\":" + (T0S + 1)
                    + ",\"user_name\":\"Alice\",\"user_age\":25,\"product_name\":\"Laptop\",\"product_price\":999}"),
                KeyValue.pair("bob", "{\"user\":\"bob\",\"page\":\"/products\",\"timestamp\":" + (T0S + 2)
                    + ",\"user_name\":null,\"user_age\":null}"),
                KeyValue.pair("alice", "{\"user\":\"alice\",\"page\":\"/home\",\"product\":\"product-404\",\"timestamp\":" + (T0S + 3)
                    + ",\"user_name\":\"Alice\",\"user_age\":25,\"product_name\":null,\"product_price\":null}"),
                KeyValue.pair("alice", "{\"user\":\"alice\",\"page\":\"/home\",\"timestamp\":" + (T0S + 4)
                    + ",\"user_name\":null,\"user_age\":null}")),
                topology.read(Topics.ENRICHED_CLICKS));
        }
    }

    @Test
    void enrichesPurchasesFromTheCatalogWithNullsForAnUnknownProduct() {
        try (TopologyDriver topology = new TopologyDriver(ClickEnrichment::build)) {
            topology.send(Topics.PRODUCT_CATALOG, "product-1", "{\"name\": \"Laptop\", \"price\": 999.5}", T0);

            topology.send(Topics.PURCHASES, "alice", purchase("alice", "product-1", T0S + 60), T0);
            topology.send(Topics.PURCHASES, null, purchase("bob", "product-2", T0S + 61), T0);

            assertEquals(List.of(
                KeyValue.pair("alice", "{\"user\":\"alice\",\"product\":\"product-1\",\"amount\":999.0,\"timestamp\":" + (T0S + 60)
                    + ",\"product_name\":\"Laptop\",\"product_price\":999.5}"),
                KeyValue.pair("bob", "{\"user\":\"bob\",\"product\":\"product-2\",\"amount\":999.0,\"timestamp\":" + (T0S + 61)
                    + ",\"product_name\":null,\"product_price\":null}")),
                topology.read(Topics.ENRICHED_PURCHASES));
        }
    }

    @Test
    void skipsACatalogValueThatIsNotAProductAndKeepsEnriching() {
        try (TopologyDriver topology = new TopologyDriver(ClickEnrichment::build)) {
            // In production the deserialization handler also sends it to the dead-letter topic.
            topology.send(Topics.PRODUCT_CATALOG, "product-1", "Laptop, 999", T0);
            topology.send(Topics.PURCHASES, "alice", purchase("alice", "product-1", T0S), T0);
            topology.send(Topics.PRODUCT_CATALOG, "product-1", "{\"name\": \"Laptop\", \"price\": \"999\"}", T0);
            topology.send(Topics.PURCHASES, "alice", purchase("alice", "product-1", T0S + 1), T0);

            List<KeyValue<String, String>> enriched = topology.read(Topics.ENRICHED_PURCHASES);
            assertEquals(2, enriched.size());
            assertTrue(enriched.get(0).value.endsWith("\"product_name\":null,\"product_price\":null}"), enriched.get(0).value);
            assertTrue(enriched.get(1).value.endsWith("\"product_name\":\"Laptop\",\"product_price\":999}"), enriched.get(1).value);
        }
    }

    @Test
    void matchesAPurchaseAtOrAfterAClickUpToOneHourLaterButNotOneSecondMore() {
        try (TopologyDriver topology = new TopologyDriver(ClickEnrichment::build)) {
            topology.send(Topics.PURCHASES, "alice", purchase("alice", "early", T0S - 1), T0);
            topology.send(Topics.USER_CLICKS, "alice", click("alice", "/home", "product-1", T0S), T0);
            topology.send(Topics.PURCHASES, "alice", purchase("alice", "same-second", T0S), T0);
            topology.send(Topics.PURCHASES, "bob", purchase("bob", "other-user", T0S + 60), T0);
            topology.send(Topics.PURCHASES, "alice", purchase("alice", "product-1", T0S + 60), T0);
            topology.send(Topics.PURCHASES, "alice", purchase("alice", "one-hour", T0S + 3600), T0);
            topology.send(Topics.PURCHASES, "alice", purchase("alice", "one-hour-one-second", T0S + 3601), T0);

            assertEquals(List.of(
                KeyValue.pair("alice", conversion("alice", "product-1", "same-second", 0)),
                KeyValue.pair("alice", conversion("alice", "product-1", "product-1", 60)),
                KeyValue.pair("alice", conversion("alice", "product-1", "one-hour", 3600))),
                topology.read(Topics.CLICK_PURCHASES));
        }
    }

    @Test
    void sendsATableRecordWithoutKeyToTheDeadLetterQueue() {
        try (TopologyDriver topology = new TopologyDriver(ClickEnrichment::build)) {
            topology.send(Topics.USER_PROFILES, null, "{\"name\": \"Nobody\"}", T0);

            List<TestRecord<String, String>> letters = topology.readRecords(Topics.DEAD_LETTER_QUEUE);
            assertEquals(1, letters.size());
            assertEquals("no key: expected the user as the record key", header(letters.get(0), DeadLetter.HEADER_ERROR));
        }
    }

    @Test
    void deletesAProfileOnANullValueThatCameThroughTheRepartitionTopic() {
        try (TopologyDriver topology = new TopologyDriver(ClickEnrichment::build)) {
            KeyValueStore<String, UserProfile> profiles = topology.driver.getKeyValueStore(AggregateStores.USER_PROFILES);
            topology.send(Topics.USER_PROFILES, "alice", "{\"name\": \"Alice\", \"age\": 25}", T0);
            topology.send(Topics.USER_PROFILES, "bob", "{\"name\": \"Bob\", \"age\": 30}", T0);
            assertEquals("Alice", profiles.get("alice").name());

            topology.send(Topics.USER_PROFILES, "alice", null, T0 + 1);

            assertNull(profiles.get("alice"), "deleted");
            assertEquals("Bob", profiles.get("bob").name(), "the others stay");
            assertEquals(List.of(), topology.readRecords(Topics.DEAD_LETTER_QUEUE), "a deletion is not a dead letter");
        }
    }

    private static String conversion(String user, String clicked, String purchased, long seconds) {
        return "{\"user\":\"" + user + "\",\"clicked_product\":\"" + clicked + "\",\"purchased_product\":\"" + purchased
            + "\",\"time_diff\":" + seconds + "}";
    }
}
