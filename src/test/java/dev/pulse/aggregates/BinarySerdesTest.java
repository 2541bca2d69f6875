package dev.pulse.aggregates;

import dev.pulse.events.SensorReading;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BinarySerdesTest {

    private final Serde<Stats> stats = BinarySerdes.stats();
    private final Serde<SensorReading> readings = BinarySerdes.sensorReadings();

    @Test
    void statsSurviveTheRoundTripIncludingTheEmptyAggregatesInfinities() {
        for (Stats value : new Stats[] {Stats.empty(), Stats.empty().add(21.5).add(-3.25).add(1e300), new Stats(Long.MAX_VALUE, -0.0, Double.MIN_VALUE, Double.NaN)}) {
            byte[] bytes = stats.serializer().serialize("t", value);
            assertEquals(33, bytes.length);
            assertEquals(value, stats.deserializer().deserialize("t", bytes));
        }
    }

    @Test
    void readingsSurviveTheRoundTripWithAndWithoutEventTime() {
        for (SensorReading value : new SensorReading[] {
            new SensorReading("sensor_1", 52.5, 1_700_000_000_123L),
            new SensorReading("capteur-é-温度", -40.0, null),
            new SensorReading("", 0.0, 0L)}) {
            assertEquals(value, readings.deserializer().deserialize("t", readings.serializer().serialize("t", value)));
        }
    }

    @Test
    void nullStaysNullForTombstones() {
        assertNull(stats.serializer().serialize("t", null));
        assertNull(stats.deserializer().deserialize("t", null));
        assertNull(readings.serializer().serialize("t", null));
        assertNull(readings.deserializer().deserialize("t", null));
    }

    @Test
    void bytesOfAnotherFormatAreRefusedWithTheReason() {
        byte[] json = "{\"count\":1,\"sum\":2.0,\"min\":2.0,\"max\":2.0}".getBytes(StandardCharsets.UTF_8);
        SerializationException error = assertThrows(SerializationException.class, () -> stats.deserializer().deserialize("t", json));
        assertEquals("not a version 1 binary Stats (41 bytes, version 123)", error.getMessage());
        assertThrows(SerializationException.class, () -> readings.deserializer().deserialize("t", new byte[] {1, 2}));
    }
}
