package dev.pulse.local;

import dev.pulse.events.Decoded;
import dev.pulse.events.EventDecoder;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoEventsTest {

    private final EventDecoder decoder = new EventDecoder(JsonMapper.createDefault());

    @Test
    void everyDemoRecordIsAValidContractRecordAndEveryStreamIsFed() {
        DemoEvents demo = new DemoEvents(new Random(42));
        List<DemoEvents.DemoRecord> records = new ArrayList<>(demo.referenceData());
        long now = 1_700_000_000_000L;
        for (int i = 0; i < 400; i++) {
            records.addAll(demo.tick(now + i * 100L));
        }
        for (DemoEvents.DemoRecord record : records) {
            Decoded<?> decoded = decode(record);
            assertTrue(decoded.isValid(), () -> record + " -> " + decoded.error());
        }
        for (String input : Topics.INPUTS) {
            if (!input.equals(Topics.DEVICE_THRESHOLDS)) { // thresholds are the operator's, not traffic
                assertTrue(records.stream().anyMatch(r -> r.topic().equals(input)), input + " is fed");
            }
        }
    }

    @Test
    void someSensorsOverheatAndSomeCardsLookFraudulent() {
        DemoEvents demo = new DemoEvents(new Random(7));
        List<DemoEvents.DemoRecord> records = new ArrayList<>();
        long now = 1_700_000_000_000L;
        for (int i = 0; i < 2_000; i++) {
            records.addAll(demo.tick(now + i * 100L));
        }
        long hot = records.stream().filter(r -> r.topic().equals(Topics.REAL_TIME_DATA))
            .map(r -> decoder.decodeSensor(bytes(r.key()), bytes(r.value())).value())
            .filter(reading -> reading.temperature() > 50).count();
        long cool = records.stream().filter(r -> r.topic().equals(Topics.REAL_TIME_DATA))
            .map(r -> decoder.decodeSensor(bytes(r.key()), bytes(r.value())).value())
            .filter(reading -> reading.temperature() < 45).count();
        assertTrue(hot > 0 && cool > 0, "readings cross the default threshold both ways: hot " + hot + ", cool " + cool);
        long large = records.stream().filter(r -> r.topic().equals(Topics.TRANSACTIONS))
            .map(r -> decoder.decodePayment(bytes(r.value())).value())
            .filter(t -> t.amount() > 10_000).count();
        assertEquals(10, large, "one large amount every 200 ticks");
    }

    private Decoded<?> decode(DemoEvents.DemoRecord record) {
        byte[] value = bytes(record.value());
        return switch (record.topic()) {
            case Topics.WORD_COUNTS -> decoder.decodeWords(value);
            case Topics.REAL_TIME_DATA -> decoder.decodeSensor(bytes(record.key()), value);
            case Topics.INPUT_TOPIC -> decoder.decodeRecord(value);
            case Topics.USER_EVENTS -> decoder.decodeUserEvent(value);
            case Topics.USER_CLICKS -> decoder.decodeClick(value);
            case Topics.PURCHASES -> decoder.decodePurchase(value);
            case Topics.USER_PROFILES -> decoder.decodeProfile(value);
            case Topics.PRODUCT_CATALOG -> decoder.decodeProduct(value);
            case Topics.TRANSACTIONS -> decoder.decodePayment(value);
            default -> Decoded.invalid("unexpected topic " + record.topic());
        };
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }
}
