package dev.pulse.aggregates;

import dev.pulse.events.SensorReading;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Fixed-layout binary serdes for the values the sensor and category aggregations write on every record: the
 * window stores' {@link Stats} (five hopping windows per reading, each read and written back through the store's
 * cache) and the readings on the {@code readings-by-device} repartition topic and in the latest-reading store.
 * They replace JSON there because the profile of the sensor path showed a quarter of the stream thread's time in
 * JSON reads and writes of these values; nothing outside the topology reads these bytes.
 *
 * <p>Layouts (big-endian): {@code Stats} = version byte, count (long), sum, min, max (doubles): 33 bytes.
 * {@code SensorReading} = version byte, temperature (double), has-time flag (byte), event time (long, when the flag
 * is 1), then the device id as UTF-8 to the end. In stores and topics they follow {@link VersionedSerde}'s prefix.
 */
final class BinarySerdes {

    private static final byte VERSION = 1;

    private BinarySerdes() {
    }

    static Serde<Stats> stats() {
        Serializer<Stats> serializer = (topic, stats) -> {
            if (stats == null) {
                return null;
            }
            return ByteBuffer.allocate(33).put(VERSION).putLong(stats.count()).putDouble(stats.sum())
                .putDouble(stats.min()).putDouble(stats.max()).array();
        };
        Deserializer<Stats> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer in = versioned(data, 33, "Stats");
            return new Stats(in.getLong(), in.getDouble(), in.getDouble(), in.getDouble());
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    static Serde<SensorReading> sensorReadings() {
        Serializer<SensorReading> serializer = (topic, reading) -> {
            if (reading == null) {
                return null;
            }
            byte[] device = reading.deviceId().getBytes(StandardCharsets.UTF_8);
            Long time = reading.eventTimeMs();
            ByteBuffer out = ByteBuffer.allocate(1 + 8 + 1 + (time == null ? 0 : 8) + device.length)
                .put(VERSION).putDouble(reading.temperature()).put((byte) (time == null ? 0 : 1));
            if (time != null) {
                out.putLong(time);
            }
            return out.put(device).array();
        };
        Deserializer<SensorReading> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer in = versioned(data, 10, "SensorReading");
            double temperature = in.getDouble();
            Long time = in.get() == 1 ? in.getLong() : null;
            String device = new String(data, in.position(), in.remaining(), StandardCharsets.UTF_8);
            return new SensorReading(device, temperature, time);
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private static ByteBuffer versioned(byte[] data, int minLength, String type) {
        if (data.length < minLength || data[0] != VERSION) {
            throw new SerializationException("not a version " + VERSION + " binary " + type + " (" + data.length
                + " bytes" + (data.length > 0 ? ", version " + data[0] : "") + ")");
        }
        return ByteBuffer.wrap(data, 1, data.length - 1);
    }
}
