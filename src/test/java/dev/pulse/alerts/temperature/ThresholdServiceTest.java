package dev.pulse.alerts.temperature;

import dev.pulse.alerts.StateFormat;
import dev.pulse.testkit.InMemoryStateStore;
import dev.pulse.events.DeviceThreshold;
import dev.pulse.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.pulse.testkit.Records.DEAD_LETTERS;
import static dev.pulse.testkit.Records.DECODER;
import static dev.pulse.testkit.Records.JSON;
import static dev.pulse.testkit.Records.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThresholdServiceTest {

    private static final TopicPartition PARTITION = new TopicPartition(Topics.DEVICE_THRESHOLDS, 0);
    private static final DeviceThreshold OLD = new DeviceThreshold(60.0, null);
    private static final DeviceThreshold NEW = new DeviceThreshold(70.0, 2.0);

    private final InMemoryStateStore store = new InMemoryStateStore();
    private final ThresholdService service = new ThresholdService(DECODER, JSON, DEAD_LETTERS, store);

    /** A compacted topic before its cleaner ran: an older and a newer value of t1, a bad record, t2 set and unset. */
    private final List<ConsumerRecord<byte[], byte[]>> topic = List.of(
        record(Topics.DEVICE_THRESHOLDS, 0, "t1", "{\"threshold\": 60.0}"),
        record(Topics.DEVICE_THRESHOLDS, 1, "t2", "{\"threshold\": 55.0}"),
        record(Topics.DEVICE_THRESHOLDS, 2, "t1", "{\"threshold\": \"hot\"}"),
        record(Topics.DEVICE_THRESHOLDS, 3, "t1", "{\"threshold\": 70.0, \"hysteresis\": 2.0}"),
        record(Topics.DEVICE_THRESHOLDS, 4, "t2", null));

    private static DeviceThreshold held(InMemoryStateStore store, String device) {
        return new StateFormat(JSON).read(store.get(TemperatureAlertService.thresholdKey(device)), DeviceThreshold.class);
    }

    @Test
    void keepsEachDevicesLastOverrideWithoutExpiry() {
        assertEquals(1, service.apply(topic).size(), "one dead letter");
        assertEquals(NEW, held(store, "t1"));
        assertTrue(store.permanent(TemperatureAlertService.thresholdKey("t1")), "an override never expires");
        assertNull(store.get(TemperatureAlertService.thresholdKey("t2")), "a null value restores the defaults");
    }

    @Test
    void readingTheTopicAgainNeverSetsADeviceBackAndWritesNoDeadLetterTwice() {
        service.apply(topic);
        service.rereading(PARTITION, 5);
        for (ConsumerRecord<byte[], byte[]> record : topic) { // one poll per record: no moment shows an older value
            assertEquals(List.of(), service.apply(List.of(record)), "its dead letter was written the first time");
            assertEquals(NEW, held(store, "t1"));
        }
    }

    @Test
    void rebuildsEveryOverrideFromTheTopicWhenTheStoreLostThem() {
        service.apply(topic);
        InMemoryStateStore lost = new InMemoryStateStore();
        ThresholdService restarted = new ThresholdService(DECODER, JSON, DEAD_LETTERS, lost);
        restarted.rereading(PARTITION, 5);
        restarted.apply(topic.subList(0, 1));
        assertEquals(OLD, held(lost, "t1"),
            "older than what the store had, better than the default until the newer record comes");
        assertEquals(List.of(), restarted.apply(topic.subList(1, 5)));
        assertEquals(NEW, held(lost, "t1"));
        assertNull(lost.get(TemperatureAlertService.thresholdKey("t2")));
    }

    @Test
    void deadLettersARecordReadForTheFirstTimeAfterTheCommittedOffset() {
        service.rereading(PARTITION, 2);
        assertEquals(List.of(), service.apply(topic.subList(0, 2)));
        assertEquals(1, service.apply(topic.subList(2, 5)).size(), "offset 2 was not read before");
    }

    @Test
    void tellsWhenReadingAgainWasCutShortByABatchThatWentBackToTheCommittedOffset() {
        service.rereading(PARTITION, 5);
        assertTrue(service.rereadCutShort(PARTITION, 5), "the first batch failed: back at the committed offset");
        service.apply(topic.subList(0, 2));
        assertFalse(service.rereadCutShort(PARTITION, 2), "under way");
        assertTrue(service.rereadCutShort(PARTITION, 5), "a later batch failed before offset 4 was applied");
        service.apply(topic.subList(2, 5));
        assertFalse(service.rereadCutShort(PARTITION, 5), "everything below the committed offset is applied");
        assertFalse(service.rereadCutShort(new TopicPartition(Topics.DEVICE_THRESHOLDS, 1), 5), "not read again");
    }
}
