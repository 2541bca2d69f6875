package dev.pulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Properties;

/**
 * The peer a user might write instead of Pulse's sensor path: one Kafka Streams topology, no framework, exactly-once,
 * that reads {@code real-time-data} (JSON readings keyed by device id, the contract's case), raises and clears the
 * temperature alert of each device with the contract's rule (RAISED strictly above the threshold, CLEARED strictly
 * below threshold − hysteresis, alert id {@code temp-<device>-<event ms of the raising reading>}, the state in a
 * changelogged store) and keeps count, average, min and max per device in the same hopping windows as
 * {@code device-averages}. The load driver runs it in a JVM of its own, with the same heap, commit interval and
 * cache size as Pulse's Streams application, on the same preloaded readings, and checks its outputs as exactly as
 * Pulse's.
 *
 * <p>Arguments are Streams settings as {@code name=value} plus {@code input.topic}, {@code alerts.topic},
 * {@code averages.topic}, {@code threshold}, {@code hysteresis}, {@code window.ms}, {@code advance.ms} and
 * {@code grace.ms}. It writes the fields the driver checks: alerts {@code alert_id}, {@code device_id},
 * {@code state}; averages {@code device_id}, {@code window_start} and {@code window_end} (epoch seconds),
 * {@code count}, {@code average}, {@code min}, {@code max}.
 */
public final class PlainSensorPath {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RAISED_STORE = "raised-at";

    private PlainSensorPath() {
    }

    /** One reading as decoded once, for both paths. */
    record Reading(String device, double temperature, long eventMs) {
        static final Serde<Reading> SERDE = Serdes.serdeFrom(
            (topic, r) -> {
                byte[] device = r.device.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                return ByteBuffer.allocate(16 + device.length).putDouble(r.temperature).putLong(r.eventMs).put(device)
                    .array();
            },
            (topic, bytes) -> {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                return new Reading(new String(bytes, 16, bytes.length - 16, java.nio.charset.StandardCharsets.UTF_8),
                    b.getDouble(), b.getLong());
            });
    }

    public static void main(String[] args) throws InterruptedException {
        Properties props = PlainStreamsApp.settings(args);
        String input = (String) props.remove("input.topic");
        String alerts = (String) props.remove("alerts.topic");
        String averages = (String) props.remove("averages.topic");
        double threshold = Double.parseDouble((String) props.remove("threshold"));
        double hysteresis = Double.parseDouble((String) props.remove("hysteresis"));
        Duration window = Duration.ofMillis(Long.parseLong((String) props.remove("window.ms")));
        Duration advance = Duration.ofMillis(Long.parseLong((String) props.remove("advance.ms")));
        Duration grace = Duration.ofMillis(Long.parseLong((String) props.remove("grace.ms")));

        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RAISED_STORE),
            Serdes.String(), Serdes.Long()));
        // Decoded once; the reading's own time becomes the record time the windows go by.
        KStream<String, Reading> readings = builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
            .processValues(() -> new FixedKeyProcessor<String, String, Reading>() {
                private FixedKeyProcessorContext<String, Reading> context;

                @Override
                public void init(FixedKeyProcessorContext<String, Reading> context) {
                    this.context = context;
                }

                @Override
                public void process(FixedKeyRecord<String, String> record) {
                    Reading reading = decode(record.value());
                    context.forward(record.withValue(reading).withTimestamp(reading.eventMs()));
                }
            });

        readings.processValues(() -> new Alerts(threshold, hysteresis), RAISED_STORE)
            .to(alerts, Produced.with(Serdes.String(), Serdes.String()));

        // Keyed by device id already: no repartition.
        readings.groupByKey(Grouped.with(Serdes.String(), Reading.SERDE))
            .windowedBy(TimeWindows.ofSizeAndGrace(window, grace).advanceBy(advance))
            .aggregate(() -> Stats.EMPTY, (device, reading, stats) -> stats.add(reading.temperature()),
                Materialized.<String, Stats, WindowStore<Bytes, byte[]>>as("device-windows")
                    .withKeySerde(Serdes.String()).withValueSerde(Stats.SERDE))
            .toStream()
            .map((windowed, stats) -> new org.apache.kafka.streams.KeyValue<>(windowed.key(),
                "{\"device_id\":\"" + windowed.key() + "\",\"window_start\":" + windowed.window().start() / 1000
                    + ",\"window_end\":" + windowed.window().end() / 1000 + ",\"count\":" + stats.count()
                    + ",\"average\":" + stats.sum() / stats.count() + ",\"min\":" + stats.min()
                    + ",\"max\":" + stats.max() + "}"))
            .to(averages, Produced.with(Serdes.String(), Serdes.String()));

        PlainStreamsApp.run("plain-sensor-path", builder.build(), props);
    }

    static Reading decode(String value) {
        try {
            JsonNode node = JSON.readTree(value);
            return new Reading(node.get("device_id").asText(), node.get("temperature").asDouble(),
                Math.round(node.get("timestamp").asDouble() * 1000));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Raises and clears each device's alert; the raising reading's event time is the state. */
    private static final class Alerts implements FixedKeyProcessor<String, Reading, String> {
        private final double threshold;
        private final double hysteresis;
        private FixedKeyProcessorContext<String, String> context;
        private KeyValueStore<String, Long> raisedAt;

        Alerts(double threshold, double hysteresis) {
            this.threshold = threshold;
            this.hysteresis = hysteresis;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, String> context) {
            this.context = context;
            this.raisedAt = context.getStateStore(RAISED_STORE);
        }

        @Override
        public void process(FixedKeyRecord<String, Reading> record) {
            Reading reading = record.value();
            Long raised = raisedAt.get(reading.device());
            if (raised == null && reading.temperature() > threshold) {
                raisedAt.put(reading.device(), reading.eventMs());
                context.forward(record.withValue(alert(reading, reading.eventMs(), "RAISED")));
            } else if (raised != null && reading.temperature() < threshold - hysteresis) {
                raisedAt.delete(reading.device());
                context.forward(record.withValue(alert(reading, raised, "CLEARED")));
            }
        }

        private static String alert(Reading reading, long raisedMs, String state) {
            return "{\"alert_id\":\"temp-" + reading.device() + "-" + raisedMs + "\",\"device_id\":\"" + reading.device()
                + "\",\"state\":\"" + state + "\",\"temperature\":" + reading.temperature() + "}";
        }
    }

    /** Count, sum, min and max of a window, 32 bytes in its store. */
    record Stats(long count, double sum, double min, double max) {
        static final Stats EMPTY = new Stats(0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
        static final Serde<Stats> SERDE = Serdes.serdeFrom(
            (topic, s) -> ByteBuffer.allocate(32).putLong(s.count).putDouble(s.sum).putDouble(s.min).putDouble(s.max)
                .array(),
            (topic, bytes) -> {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                return new Stats(b.getLong(), b.getDouble(), b.getDouble(), b.getDouble());
            });

        Stats add(double value) {
            return new Stats(count + 1, sum + value, Math.min(min, value), Math.max(max, value));
        }
    }
}
