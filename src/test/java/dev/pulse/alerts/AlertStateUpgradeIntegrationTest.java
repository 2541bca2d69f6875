package dev.pulse.alerts;

import dev.pulse.alerts.StateFormat.UnknownFormatException;
import dev.pulse.alerts.fraud.FraudProperties;
import dev.pulse.alerts.fraud.FraudService;
import dev.pulse.alerts.temperature.AlertStateService;
import dev.pulse.alerts.temperature.TemperatureAlertProperties;
import dev.pulse.alerts.temperature.TemperatureAlertService;
import dev.pulse.alerts.temperature.ThresholdService;
import dev.pulse.kafka.TopicIds;
import dev.pulse.kafka.Topics;
import dev.pulse.redis.RedisConnector;
import dev.pulse.redis.RedisKeys;
import dev.pulse.testkit.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.pulse.alerts.StateFormatTest.fixture;
import static dev.pulse.testkit.Records.DEAD_LETTERS;
import static dev.pulse.testkit.Records.DECODER;
import static dev.pulse.testkit.Records.JSON;
import static dev.pulse.testkit.Records.map;
import static dev.pulse.testkit.Records.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upgrade from the build before the alert state had a format version, against the real redis-server: Redis holds
 * what that build wrote (the recorded values in {@code state-v0/}: device states, a threshold override, a card's
 * state, the partitions' progress, and the set of open alerts), and this build's services go on from it: the
 * dashboard reads the open alerts, redelivered records give the alerts remembered for them, an open excursion clears
 * with its id, the override still applies, a card's history still counts; what they write from then on carries the
 * version. A value of a later version stops the batch rather than be misread.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertStateUpgradeIntegrationTest {

    /** The topic ids and consumer groups the fixtures' progress was written for. */
    private static final TopicIds RECORDED_IDS = (topic, fresh) -> switch (topic) {
        case Topics.REAL_TIME_DATA -> "AAAAAAAAAAAAAAAAAAAAAA";
        case Topics.DEVICE_THRESHOLDS -> "BBBBBBBBBBBBBBBBBBBBBB";
        case Topics.TRANSACTIONS -> "CCCCCCCCCCCCCCCCCCCCCC";
        default -> null;
    };
    private static final List<String> FIXTURES = List.of("temperature.state.sensor_1", "temperature.state.sensor_2",
        "temperature.state.sensor_3", "temperature.state.sensor_4", "temperature.threshold.sensor_3",
        "fraud.state.card-1");
    private static final Map<String, String> PROGRESS_FIXTURES = Map.of(
        "temperature:progress:pulse-temperature-alerts:real-time-data:0", "temperature.progress.real-time-data.0",
        "temperature:progress:pulse-device-thresholds:device-thresholds:0", "temperature.progress.device-thresholds.0",
        "fraud:progress:pulse-fraud-alerts:transactions:0", "fraud.progress.transactions.0");

    private final RedisClient client = RedisClient.create(TestServers.redis().uri());
    private final StatefulRedisConnection<String, String> connection = client.connect();
    private final RedisCommands<String, String> redis = connection.sync();
    private RedisKeys keys;
    private RedisStateStore store;

    @BeforeEach
    void previousBuildsState() throws IOException {
        keys = new RedisKeys("it-v0-" + UUID.randomUUID().toString().substring(0, 8));
        store = new RedisStateStore(RedisConnector.of(connection),
            new AlertStateProperties(Duration.ofHours(1), Duration.ofSeconds(5)), keys);
        for (String name : FIXTURES) {
            redis.set(keys.key(name.replace('.', ':')), fixture(name + ".json"));
        }
        for (Map.Entry<String, String> progress : PROGRESS_FIXTURES.entrySet()) {
            redis.set(keys.key(progress.getKey()), fixture(progress.getValue() + ".json"));
        }
        // The open alerts as that build listed them, beside their states.
        redis.sadd(keys.key("temperature:open"), "sensor_1", "sensor_3", "sensor_4");
    }

    @AfterAll
    void close() {
        connection.close();
        client.shutdown();
    }

    @Test
    void goesOnFromTheAlertStateThePreviousBuildWroteAndWritesTheVersionFromThenOn() throws IOException {
        AlertStateService states = new AlertStateService(store, JSON);
        assertEquals("RAISED", states.alertState("sensor_1"));
        assertEquals("NORMAL", states.alertState("sensor_2"));
        assertEquals(List.of("temp-sensor_4-1700000004000-2", "temp-sensor_3-1700000003000", "temp-sensor_1-1700000000000"),
            states.openAlerts(10).stream().map(alert -> alert.get("alert_id")).toList());
        assertEquals(41.0, states.openAlerts(10).get(1).get("temperature"));

        TemperatureAlertService temperature = new TemperatureAlertService(DECODER, JSON, DEAD_LETTERS,
            TemperatureAlertProperties.defaults(), store, Topics.TEMPERATURE_ALERTS, "pulse-temperature-alerts",
            RECORDED_IDS);
        List<Map<String, Object>> redelivered = values(temperature.process(List.of(reading(6, "sensor_4", 60, 4))));
        assertEquals(List.of("temp-sensor_4-1700000004000-2/RAISED"), alerts(redelivered),
            "a redelivery gives the alert the previous build remembered for it, and no other");

        List<Map<String, Object>> next = values(temperature.process(List.of(
            reading(7, "sensor_1", 30, 10), // clears the excursion the previous build raised, with its id
            reading(8, "sensor_3", 39, 11), // above the override's 40 - 2.5: stays raised
            reading(9, "sensor_3", 37, 12), // below it: clears, reporting the override
            reading(10, "sensor_2", 55, 13)))); // the last excursion's state read: a new one, with a new id
        assertEquals(List.of("temp-sensor_1-1700000000000/CLEARED", "temp-sensor_3-1700000003000/CLEARED",
            "temp-sensor_2-1700000013000/RAISED"), alerts(next));
        assertEquals(40.0, next.get(1).get("threshold"));

        FraudService fraud = new FraudService(DECODER, JSON, DEAD_LETTERS, FraudProperties.defaults(), store,
            Topics.FRAUD_ALERTS, "pulse-fraud-alerts", RECORDED_IDS);
        assertEquals(List.of("LARGE_AMOUNT", "IMPOSSIBLE_TRAVEL"), rules(fraud.process(List.of(
            transaction(1, "t-2", 20000, "FR", 60)))), "the remembered alerts of a redelivery");
        List<Map<String, Object>> travel = values(fraud.process(List.of(transaction(2, "t-3", 50, "DE", 120))));
        assertEquals(List.of("IMPOSSIBLE_TRAVEL"), travel.stream().map(a -> a.get("rule")).toList());
        assertEquals("t-2", ((Map<?, ?>) travel.get(0).get("evidence")).get("previous_transaction_id"),
            "the card's last transaction, from the previous build's state");

        ThresholdService thresholds = new ThresholdService(DECODER, JSON, DEAD_LETTERS, store, RECORDED_IDS,
            "pulse-device-thresholds");
        thresholds.apply(List.of(record(Topics.DEVICE_THRESHOLDS, 0, "sensor_3", "{\"threshold\": 99.0}"),
            record(Topics.DEVICE_THRESHOLDS, 1, "sensor_5", "{\"threshold\": 45.0}")));
        assertEquals(fixture("temperature.threshold.sensor_3.json"), raw("temperature:threshold:sensor_3"),
            "a redelivered override changes nothing");

        for (String written : List.of("temperature:state:sensor_1", "temperature:state:sensor_2",
            "temperature:threshold:sensor_5", "fraud:state:card-1",
            "temperature:progress:pulse-temperature-alerts:real-time-data:0",
            "temperature:progress:pulse-device-thresholds:device-thresholds:0",
            "fraud:progress:pulse-fraud-alerts:transactions:0")) {
            assertTrue(raw(written).startsWith("{\"format\":1,"), written + " is written versioned: " + raw(written));
        }
        assertEquals(fixture("temperature.state.sensor_4.json"), raw("temperature:state:sensor_4"),
            "a state nothing changed stays as it was");
        assertFalse(redis.sismember(keys.key("temperature:open"), "sensor_1"));
        assertTrue(redis.sismember(keys.key("temperature:open"), "sensor_2"));
    }

    @Test
    void stopsTheBatchOnAStateOfALaterVersionAndLeavesItAsItIs() throws IOException {
        String later = "{\"format\":2,\"state\":\"RAISED\",\"alert_id\":\"temp-sensor_9-1\",\"since\":1000}";
        redis.set(keys.key("temperature:state:sensor_9"), later);
        TemperatureAlertService temperature = new TemperatureAlertService(DECODER, JSON, DEAD_LETTERS,
            TemperatureAlertProperties.defaults(), store, Topics.TEMPERATURE_ALERTS, "pulse-temperature-alerts",
            RECORDED_IDS);

        UnknownFormatException refused = assertThrows(UnknownFormatException.class,
            () -> temperature.process(List.of(reading(7, "sensor_9", 20, 10))));
        assertTrue(refused.getMessage().contains("format version 2"), refused.getMessage());
        assertEquals(later, raw("temperature:state:sensor_9"));
        assertEquals(fixture("temperature.progress.real-time-data.0.json"),
            raw("temperature:progress:pulse-temperature-alerts:real-time-data:0"), "the record is not taken as done");
        assertThrows(UnknownFormatException.class, () -> new AlertStateService(store, JSON).alertState("sensor_9"));

        redis.set(keys.key("fraud:progress:pulse-fraud-alerts:transactions:0"), "{\"format\":2,\"offset\":1}");
        FraudService fraud = new FraudService(DECODER, JSON, DEAD_LETTERS, FraudProperties.defaults(), store,
            Topics.FRAUD_ALERTS, "pulse-fraud-alerts", RECORDED_IDS);
        assertThrows(UnknownFormatException.class, () -> fraud.process(List.of(transaction(2, "t-3", 50, "DE", 120))));
        assertEquals(fixture("fraud.state.card-1.json"), raw("fraud:state:card-1"));
    }

    private String raw(String name) {
        return redis.get(keys.key(name));
    }

    private static ConsumerRecord<byte[], byte[]> reading(long offset, String device, double celsius, long second) {
        return record(Topics.REAL_TIME_DATA, offset, device, "{\"device_id\": \"" + device + "\", \"temperature\": "
            + celsius + ", \"timestamp\": " + (1_700_000_000L + second) + "}");
    }

    private static ConsumerRecord<byte[], byte[]> transaction(long offset, String id, double amount, String country,
                                                              long second) {
        return record(Topics.TRANSACTIONS, offset, "card-1", "{\"transaction_id\": \"" + id + "\", \"card_id\": \"card-1\", "
            + "\"amount\": " + amount + ", \"currency\": \"EUR\", \"merchant\": \"m-9\", \"country\": \"" + country
            + "\", \"timestamp\": " + (1_700_000_000L + second) + "}");
    }

    private static List<Map<String, Object>> values(List<ProducerRecord<byte[], byte[]>> out) {
        return out.stream().map(r -> map(r.value())).toList();
    }

    private static List<String> alerts(List<Map<String, Object>> alerts) {
        return alerts.stream().map(a -> a.get("alert_id") + "/" + a.get("state")).toList();
    }

    private static List<Object> rules(List<ProducerRecord<byte[], byte[]>> out) {
        return values(out).stream().map(a -> a.get("rule")).toList();
    }
}
