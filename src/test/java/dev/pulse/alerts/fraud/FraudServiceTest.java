package dev.pulse.alerts.fraud;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.InMemoryStateStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.pulse.testkit.Records.DEAD_LETTERS;
import static dev.pulse.testkit.Records.DECODER;
import static dev.pulse.testkit.Records.JSON;
import static dev.pulse.testkit.Records.map;
import static dev.pulse.testkit.Records.record;
import static dev.pulse.testkit.Records.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FraudServiceTest {

    private static final long T0 = 1_700_000_000L;

    private final InMemoryStateStore store = new InMemoryStateStore();
    private final FraudService service = new FraudService(DECODER, JSON, DEAD_LETTERS, FraudProperties.defaults(), store,
        Topics.FRAUD_ALERTS);
    private long offset;
    private int txId;

    private ConsumerRecord<byte[], byte[]> tx(String card, double amount, long seconds, String country, String extra) {
        String id = "t-" + (++txId);
        return record(Topics.TRANSACTIONS, offset++, card, ("{\"transaction_id\": \"%s\", \"card_id\": \"%s\", "
            + "\"amount\": %s, \"currency\": \"EUR\", \"merchant\": \"m-9\", \"country\": \"%s\", \"timestamp\": %d%s}")
            .formatted(id, card, amount, country, T0 + seconds, extra == null ? "" : ", " + extra));
    }

    private ConsumerRecord<byte[], byte[]> tx(String card, double amount, long seconds) {
        return tx(card, amount, seconds, "DE", null);
    }

    private static List<Map<String, Object>> alerts(List<ProducerRecord<byte[], byte[]>> out) {
        return out.stream().filter(r -> r.topic().equals(Topics.FRAUD_ALERTS)).map(r -> map(r.value())).toList();
    }

    private static List<Object> rules(List<Map<String, Object>> alerts) {
        return alerts.stream().map(a -> a.get("rule")).toList();
    }

    @Test
    void aNormalCardRaisesNothing() {
        List<ConsumerRecord<byte[], byte[]>> day = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            day.add(tx("normal", 20 + (i % 7) * 10, i * 600L)); // every 10 minutes, 20..80 EUR, one country
        }
        assertEquals(List.of(), alerts(service.process(day)));
    }

    @Test
    void largeAmountFiresAboveTheLimitOnly() {
        var alerts = alerts(service.process(List.of(tx("c1", 10_000, 0), tx("c1", 10_000.01, 4000))));
        assertEquals(List.of("LARGE_AMOUNT"), rules(alerts));
        Map<String, Object> alert = alerts.get(0);
        assertEquals("fraud-LARGE_AMOUNT-t-2", alert.get("alert_id"));
        assertEquals("c1", alert.get("card_id"));
        assertEquals("t-2", alert.get("transaction_id"));
        assertEquals(10_000.01, alert.get("amount"));
        assertEquals(T0 + 4000, ((Number) alert.get("timestamp")).longValue());
        assertEquals("amount 10000.01 is above the limit of 10000.00", alert.get("reason"));
        assertEquals(10_000.0, ((Number) ((Map<?, ?>) alert.get("evidence")).get("limit")).doubleValue());
    }

    @Test
    void velocityFiresForMoreThanFiveTransactionsWithinSixtySeconds() {
        List<ConsumerRecord<byte[], byte[]>> burst = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            burst.add(tx("c2", 10, i * 9L)); // 7 within 54 s
        }
        var alerts = alerts(service.process(burst));
        assertEquals(List.of("VELOCITY", "VELOCITY"), rules(alerts), "the 6th and the 7th");
        Map<?, ?> evidence = (Map<?, ?>) alerts.get(0).get("evidence");
        assertEquals(6, ((Number) evidence.get("count")).intValue());
        assertEquals(List.of("t-1", "t-2", "t-3", "t-4", "t-5", "t-6"), evidence.get("transaction_ids"));
        assertEquals("6 transactions of the card within 60 s (limit 5)", alerts.get(0).get("reason"));
    }

    @Test
    void velocityDoesNotFireWhenTheTransactionsAreSpreadOut() {
        List<ConsumerRecord<byte[], byte[]>> spread = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            spread.add(tx("c3", 10, i * 13L)); // at most 5 in any 60 s
        }
        assertEquals(List.of(), alerts(service.process(spread)));
    }

    @Test
    void amountSpikeFiresAboveFiveTimesTheAverageAfterFiveTransactions() {
        List<ConsumerRecord<byte[], byte[]>> history = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            history.add(tx("c4", 100, i * 3600L));
        }
        history.add(tx("c4", 900, 5 * 3600L)); // only 4 before it: no spike yet
        assertEquals(List.of(), alerts(service.process(history)));
        // average now (400 + 900) / 5 = 260; 5 × 260 = 1300 (not above); then 2600 / 6 = 433.33, 5 × = 2166.67
        assertEquals(List.of(), alerts(service.process(List.of(tx("c4", 1300, 6 * 3600L)))));
        var alerts = alerts(service.process(List.of(tx("c4", 2200, 7 * 3600L))));
        assertEquals(List.of("AMOUNT_SPIKE"), rules(alerts));
        Map<?, ?> evidence = (Map<?, ?>) alerts.get(0).get("evidence");
        assertEquals(433.33, ((Number) evidence.get("average")).doubleValue());
        assertEquals(6, ((Number) evidence.get("previous_transactions")).intValue());
    }

    @Test
    void impossibleTravelFiresForTwoCountriesWithinAnHour() {
        var alerts = alerts(service.process(List.of(tx("c5", 50, 0, "DE", null), tx("c5", 50, 1800, "US", null))));
        assertEquals(List.of("IMPOSSIBLE_TRAVEL"), rules(alerts));
        assertEquals("card used in DE and in US within 30 minutes", alerts.get(0).get("reason"));
        Map<?, ?> evidence = (Map<?, ?>) alerts.get(0).get("evidence");
        assertEquals("t-1", evidence.get("previous_transaction_id"));
        assertEquals(List.of(), alerts(service.process(List.of(tx("c5", 50, 1800 + 3601, "FR", null)))),
            "more than an hour later");
    }

    @Test
    void impossibleTravelWithCoordinatesComparesTheDistanceWithAPlanesSpeed() {
        String berlin = "\"lat\": 52.52, \"lon\": 13.405";
        String potsdam = "\"lat\": 52.39, \"lon\": 13.065";
        String newYork = "\"lat\": 40.71, \"lon\": -74.006";
        assertEquals(List.of(), alerts(service.process(List.of(
            tx("c6", 50, 0, "DE", berlin), tx("c6", 50, 1200, "DE", potsdam)))), "27 km in 20 minutes is fine");
        var alerts = alerts(service.process(List.of(tx("c6", 50, 2400, "US", newYork))));
        assertEquals(List.of("IMPOSSIBLE_TRAVEL"), rules(alerts));
        Map<?, ?> evidence = (Map<?, ?>) alerts.get(0).get("evidence");
        assertTrue(((Number) evidence.get("distance_km")).doubleValue() > 6000);
        assertTrue(alerts.get(0).get("reason").toString().contains("faster than 900 km/h"));
    }

    @Test
    void impossibleTravelFiresForTwoCountriesEvenWhenThePositionsAreWithinReach() {
        String strasbourg = "\"lat\": 48.5734, \"lon\": 7.7521";
        String kehl = "\"lat\": 48.5725, \"lon\": 7.8155"; // 5 km away, across the Rhine
        var alerts = alerts(service.process(List.of(
            tx("c9", 50, 0, "FR", strasbourg), tx("c9", 50, 1800, "DE", kehl))));
        assertEquals(List.of("IMPOSSIBLE_TRAVEL"), rules(alerts), "two countries, whatever the distance");
        assertEquals("card used in FR and in DE within 30 minutes", alerts.get(0).get("reason"));
        Map<?, ?> evidence = (Map<?, ?>) alerts.get(0).get("evidence");
        assertEquals("FR", evidence.get("previous_country"));
        assertTrue(((Number) evidence.get("distance_km")).doubleValue() < 10);
    }

    @Test
    void aTransactionCanFireSeveralRulesEachWithItsOwnAlert() {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            records.add(tx("c7", 100, i * 5L));
        }
        records.add(tx("c7", 20_000, 30, "BR", null));
        var alerts = alerts(service.process(records));
        assertEquals(List.of("LARGE_AMOUNT", "VELOCITY", "AMOUNT_SPIKE", "IMPOSSIBLE_TRAVEL"), rules(alerts));
        assertEquals(4, alerts.stream().map(a -> a.get("alert_id")).distinct().count());
    }

    @Test
    void aRedeliveredBatchOrADuplicateTransactionGivesNoSecondAlert() {
        List<ConsumerRecord<byte[], byte[]>> batch = List.of(tx("c8", 50_000, 0), tx("c8", 10, 10));
        var first = service.process(batch);
        var again = service.process(batch);
        assertEquals(alerts(first), alerts(again));
        assertEquals(1, alerts(first).size());
        assertEquals("c8", text(first.get(0).key()));

        // the same transaction sent again under a new offset
        ConsumerRecord<byte[], byte[]> original = batch.get(0);
        var resent = service.process(List.of(record(Topics.TRANSACTIONS, offset++, "c8", text(original.value()))));
        assertEquals(List.of(), alerts(resent));
    }

    @Test
    void rulesCanBeSwitchedOffAndTuned() {
        FraudService tuned = new FraudService(DECODER, JSON, DEAD_LETTERS, new FraudProperties(
            java.util.Set.of("LARGE_AMOUNT"), 500, 5, java.time.Duration.ofSeconds(60), 5, 5,
            java.time.Duration.ofHours(1), 900), store, Topics.FRAUD_ALERTS);
        var alerts = alerts(tuned.process(List.of(tx("c9", 10, 0, "DE", null), tx("c9", 600, 10, "US", null))));
        assertEquals(List.of("LARGE_AMOUNT"), rules(alerts));
    }

    @Test
    void sendsInvalidTransactionsToTheDeadLetterQueue() {
        var out = service.process(List.of(
            record(Topics.TRANSACTIONS, 0, "c", "{\"transaction_id\": \"t\", \"card_id\": \"c\", \"amount\": -1}"),
            record(Topics.TRANSACTIONS, 1, "c", "{\"card_id\": \"c\", \"amount\": 1}"),
            record(Topics.TRANSACTIONS, 2, "c", "{\"transaction_id\": \"t\", \"card_id\": \"c\", \"amount\": \"1\"}"),
            record(Topics.TRANSACTIONS, 3, "c", "{\"transaction_id\": \"t2\", \"card_id\": \"c\", \"amount\": 20000}")));
        assertEquals(List.of(Topics.DEAD_LETTER_QUEUE, Topics.DEAD_LETTER_QUEUE, Topics.DEAD_LETTER_QUEUE,
            Topics.FRAUD_ALERTS), out.stream().map(ProducerRecord::topic).toList());
    }
}
