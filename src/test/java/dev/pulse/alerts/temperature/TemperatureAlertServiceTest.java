package dev.pulse.alerts.temperature;

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

class TemperatureAlertServiceTest {

    private final InMemoryStateStore store = new InMemoryStateStore();
    private long offset;

    private TemperatureAlertService service(TemperatureAlertProperties properties) {
        return new TemperatureAlertService(DECODER, JSON, DEAD_LETTERS, properties, store, Topics.TEMPERATURE_ALERTS);
    }

    private final TemperatureAlertService service = service(TemperatureAlertProperties.defaults());
    private final ThresholdService thresholds = new ThresholdService(DECODER, JSON, DEAD_LETTERS, store);

    private ConsumerRecord<byte[], byte[]> reading(String device, double temperature) {
        long ts = 1_700_000_000L + offset;
        return record(Topics.REAL_TIME_DATA, offset++, device,
            "{\"device_id\": \"%s\", \"temperature\": %s, \"timestamp\": %d}".formatted(device, temperature, ts));
    }

    private List<ConsumerRecord<byte[], byte[]>> readings(String device, double... temperatures) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (double t : temperatures) {
            records.add(reading(device, t));
        }
        return records;
    }

    private static List<Map<String, Object>> alerts(List<ProducerRecord<byte[], byte[]>> out) {
        return out.stream().filter(r -> r.topic().equals(Topics.TEMPERATURE_ALERTS)).map(r -> map(r.value())).toList();
    }

    @Test
    void raisesOnceAboveTheThresholdAndClearsOnceBelowThresholdMinusHysteresis() {
        var out = service.process(readings("s1", 40, 50, 50.5, 55, 60, 48, 46, 45, 44.9, 44, 30));

        List<Map<String, Object>> alerts = alerts(out);
        assertEquals(2, alerts.size(), alerts::toString);
        Map<String, Object> raised = alerts.get(0);
        Map<String, Object> cleared = alerts.get(1);
        assertEquals("RAISED", raised.get("state"));
        assertEquals(50.5, raised.get("temperature"));
        assertEquals(50.0, ((Number) raised.get("threshold")).doubleValue());
        assertEquals(1_700_000_002L, ((Number) raised.get("timestamp")).longValue());
        assertEquals("temp-s1-1700000002000", raised.get("alert_id"));
        assertEquals("s1", raised.get("device_id"));
        assertEquals("CLEARED", cleared.get("state"));
        assertEquals(44.9, cleared.get("temperature"));
        assertEquals(raised.get("alert_id"), cleared.get("alert_id"));
        assertEquals("s1", text(out.get(0).key()));
    }

    @Test
    void doesNotFlapAroundTheThreshold() {
        var out = service.process(readings("s2", 50.1, 49.9, 50.2, 49, 51, 45.5, 50.3, 46, 52));
        List<Map<String, Object>> alerts = alerts(out);
        assertEquals(1, alerts.size(), alerts::toString);
        assertEquals("RAISED", alerts.get(0).get("state"));
        assertTrue(alerts(service.process(readings("s2", 50, 45, 47, 51))).isEmpty(), "still the same excursion");
    }

    @Test
    void aNewExcursionGetsANewAlertId() {
        var alerts = alerts(service.process(readings("s3", 60, 40, 61, 40)));
        assertEquals(List.of("RAISED", "CLEARED", "RAISED", "CLEARED"), alerts.stream().map(a -> a.get("state")).toList());
        assertEquals(alerts.get(0).get("alert_id"), alerts.get(1).get("alert_id"));
        assertEquals(alerts.get(2).get("alert_id"), alerts.get(3).get("alert_id"));
        assertTrue(!alerts.get(0).get("alert_id").equals(alerts.get(2).get("alert_id")));
    }

    @Test
    void excursionsStartingInTheSameSecondGetAlertIdsOfTheirOwnAndTheSameOnesOnReplay() {
        List<ConsumerRecord<byte[], byte[]>> sameSecond = new ArrayList<>();
        for (double t : new double[] {60, 40, 61, 40, 62, 40}) {
            sameSecond.add(record(Topics.REAL_TIME_DATA, offset++, "s10",
                "{\"device_id\": \"s10\", \"temperature\": %s, \"timestamp\": 1700000000}".formatted(t)));
        }
        var alerts = alerts(service.process(sameSecond));
        assertEquals(List.of("temp-s10-1700000000000", "temp-s10-1700000000000", "temp-s10-1700000000000-2",
            "temp-s10-1700000000000-2", "temp-s10-1700000000000-3", "temp-s10-1700000000000-3"),
            alerts.stream().map(a -> a.get("alert_id")).toList());

        var replayed = alerts(new TemperatureAlertService(DECODER, JSON, DEAD_LETTERS, TemperatureAlertProperties.defaults(),
            new InMemoryStateStore(), Topics.TEMPERATURE_ALERTS).process(sameSecond));
        assertEquals(alerts, replayed, "replaying the readings from scratch gives the same ids");

        var later = alerts(service.process(readings("s10", 63)));
        assertEquals("temp-s10-" + (1_700_000_000_000L + (offset - 1) * 1000), later.get(0).get("alert_id"),
            "an excursion starting at another time has no sequence number");
    }

    @Test
    void deadLettersReadingsWhoseEventTimeIsOutOfBoundsAndGoesOn() {
        long tenYearsAhead = System.currentTimeMillis() + 3650L * 24 * 3600 * 1000;
        var out = service.process(List.of(
            record(Topics.REAL_TIME_DATA, 0, 0, 1_700_000_000_000L, "s11",
                "{\"device_id\": \"s11\", \"temperature\": 90, \"timestamp\": 100000000000000}".getBytes()),
            record(Topics.REAL_TIME_DATA, 0, 1, 1_700_000_000_000L, "s11",
                "{\"device_id\": \"s11\", \"temperature\": 90, \"timestamp\": \"1999-12-31T23:59:59Z\"}".getBytes()),
            record(Topics.REAL_TIME_DATA, 0, 2, 1_700_000_000_000L, "s11",
                ("{\"device_id\": \"s11\", \"temperature\": 90, \"timestamp\": " + tenYearsAhead / 1000 + "}").getBytes()),
            record(Topics.REAL_TIME_DATA, 0, 3, tenYearsAhead, "s11", "Temperature: 90C".getBytes()),
            record(Topics.REAL_TIME_DATA, 0, 4, 1_700_000_000_000L, "s11",
                "{\"device_id\": \"s11\", \"temperature\": 90, \"timestamp\": 1700000000123}".getBytes())));
        assertEquals(List.of(Topics.DEAD_LETTER_QUEUE, Topics.DEAD_LETTER_QUEUE, Topics.DEAD_LETTER_QUEUE,
            Topics.DEAD_LETTER_QUEUE, Topics.TEMPERATURE_ALERTS), out.stream().map(ProducerRecord::topic).toList());
        List<String> reasons = out.subList(0, 4).stream().map(r -> (String) map(r.value()).get("error")).toList();
        assertTrue(reasons.get(0).contains("10^14 or more"), reasons.get(0));
        assertTrue(reasons.get(1).contains("expected a time from 2000-01-01T00:00:00Z on"), reasons.get(1));
        assertTrue(reasons.get(2).contains("ahead of the clock"), reasons.get(2));
        assertTrue(reasons.get(3).startsWith("no 'timestamp' in the value, so the Kafka record timestamp is the event "
            + "time: expected a time at most 1 h ahead of the clock"), reasons.get(3));
        Map<String, Object> alert = alerts(out).get(0);
        assertEquals("temp-s11-1700000000123", alert.get("alert_id"), "milliseconds read as milliseconds");
        assertEquals(1_700_000_000.123, ((Number) alert.get("timestamp")).doubleValue());
    }

    @Test
    void usesPerDeviceThresholdsFromConfiguration() {
        TemperatureAlertService configured = service(new TemperatureAlertProperties(50, 5, Map.of("hot", 80.0), Map.of("hot", 1.0)));
        var alerts = alerts(configured.process(readings("hot", 60, 79, 81, 79.5, 78.9)));
        assertEquals(List.of("RAISED", "CLEARED"), alerts.stream().map(a -> a.get("state")).toList());
        assertEquals(80.0, ((Number) alerts.get(0).get("threshold")).doubleValue());
        assertEquals(1, alerts(configured.process(readings("other", 51))).size(), "others keep the global threshold");
    }

    @Test
    void appliesThresholdRecordsAtRunTimeAndATombstoneRestoresTheDefault() {
        var bad = thresholds.apply(List.of(
            record(Topics.DEVICE_THRESHOLDS, 0, "s4", "{\"threshold\": 70.0, \"hysteresis\": 2.0}"),
            record(Topics.DEVICE_THRESHOLDS, 1, "s5", "{\"threshold\": \"high\"}"),
            record(Topics.DEVICE_THRESHOLDS, 2, null, "{\"threshold\": 1}")));
        assertEquals(2, bad.size(), "a wrong type and a missing key are dead letters");
        assertTrue(bad.stream().allMatch(r -> r.topic().equals(Topics.DEAD_LETTER_QUEUE)));

        assertTrue(alerts(service.process(readings("s4", 60, 69.9))).isEmpty(), "70 now");
        var raised = alerts(service.process(readings("s4", 70.5)));
        assertEquals(70.0, ((Number) raised.get(0).get("threshold")).doubleValue());

        thresholds.apply(List.of(record(Topics.DEVICE_THRESHOLDS, 3, "s4", null)));
        var cleared = alerts(service.process(readings("s4", 44.9)));
        assertEquals("CLEARED", cleared.get(0).get("state"));
        assertEquals(50.0, ((Number) cleared.get(0).get("threshold")).doubleValue(), "the threshold in force at that reading");
    }

    @Test
    void keepsAnOpenExcursionWithoutExpiryAndListsItUntilItClears() {
        alerts(service.process(readings("s10", 60)));
        String key = TemperatureAlertService.stateKey("s10");
        assertTrue(store.permanent(key), "a RAISED state does not expire, however long the device stays hot");
        assertEquals(java.util.Set.of("s10"), store.listed(TemperatureAlertService.OPEN_LIST));
        Map<String, Object> open = new AlertStateService(store, JSON).openAlerts(10).get(0);
        assertEquals(Map.of("alert_id", "temp-s10-1700000000000", "device_id", "s10", "state", "RAISED",
            "temperature", 60.0, "threshold", 50.0, "timestamp", 1_700_000_000L), Map.of("alert_id", open.get("alert_id"),
            "device_id", open.get("device_id"), "state", open.get("state"), "temperature", open.get("temperature"),
            "threshold", open.get("threshold"), "timestamp", ((Number) open.get("timestamp")).longValue()),
            "the open alert as its RAISED alert said");
        assertEquals("RAISED", new AlertStateService(store, JSON).alertState("s10"));

        alerts(service.process(readings("s10", 61, 30)));
        assertEquals(java.util.Set.of(), store.listed(TemperatureAlertService.OPEN_LIST), "cleared: no longer open");
        assertEquals("NORMAL", new AlertStateService(store, JSON).alertState("s10"));
    }

    @Test
    void aRedeliveredBatchGivesTheSameAlertsAndNoMore() {
        List<ConsumerRecord<byte[], byte[]>> batch = readings("s6", 40, 55, 56, 30);
        var first = alerts(service.process(batch));
        var again = alerts(service.process(batch));
        assertEquals(first, again, "the same alerts for the same records (the earlier transaction did not commit)");
        assertEquals(2, first.size());

        // A later batch that overlaps the redelivered part: only the new record counts.
        List<ConsumerRecord<byte[], byte[]>> overlap = new ArrayList<>(batch.subList(2, 4));
        overlap.add(reading("s6", 57));
        var later = alerts(service.process(overlap));
        assertEquals(List.of("CLEARED", "RAISED"), later.stream().map(a -> a.get("state")).toList());
    }

    @Test
    void anotherInstanceContinuesTheEpisodeFromTheStore() {
        alerts(service.process(readings("s7", 60)));
        TemperatureAlertService takeover = service(TemperatureAlertProperties.defaults());
        var alerts = alerts(takeover.process(readings("s7", 58, 40)));
        assertEquals(1, alerts.size());
        assertEquals("CLEARED", alerts.get(0).get("state"));
        assertEquals("temp-s7-1700000000000", alerts.get(0).get("alert_id"));
    }

    @Test
    void normalisesPlainTextFahrenheitReadingsAndUsesTheRecordTimeWithoutATimestamp() {
        var out = service.process(List.of(
            record(Topics.REAL_TIME_DATA, 0, 100, 1_700_000_123_500L, "s8", "Temperature: 130F".getBytes()),
            record(Topics.REAL_TIME_DATA, 0, 101, 1_700_000_124_000L, "s8", "Temperature: 30C".getBytes())));
        var alerts = alerts(out);
        assertEquals(2, alerts.size());
        assertEquals(54.44, ((Number) alerts.get(0).get("temperature")).doubleValue(), 0.01);
        assertEquals(1_700_000_123.5, ((Number) alerts.get(0).get("timestamp")).doubleValue());
        assertEquals("temp-s8-1700000123500", alerts.get(0).get("alert_id"));
    }

    @Test
    void sendsBadReadingsToTheDeadLetterQueueAndGoesOn() {
        var out = service.process(List.of(
            record(Topics.REAL_TIME_DATA, 0, "s9", "{\"device_id\": \"s9\", \"temperature\": \"hot\"}"),
            record(Topics.REAL_TIME_DATA, 1, null, "Temperature: 90C"),
            record(Topics.REAL_TIME_DATA, 2, "s9", "{\"device_id\": \"s9\", \"temp"),
            record(Topics.REAL_TIME_DATA, 3, "s9", "{\"device_id\": \"s9\", \"temperature\": 90}")));
        assertEquals(List.of(Topics.DEAD_LETTER_QUEUE, Topics.DEAD_LETTER_QUEUE, Topics.DEAD_LETTER_QUEUE,
            Topics.TEMPERATURE_ALERTS), out.stream().map(ProducerRecord::topic).toList());
    }

    @Test
    void writesOneCompareAndSetPerPartitionAndBatch() {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            batch.add(reading("d" + (i % 20), 40 + i % 15));
        }
        service.process(batch);
        assertEquals(1, store.casCalls);
    }
}
