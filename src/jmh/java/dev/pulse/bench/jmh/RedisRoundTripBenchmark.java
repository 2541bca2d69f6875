package dev.pulse.bench.jmh;

import dev.pulse.alerts.AlertStateProperties;
import dev.pulse.alerts.RedisStateStore;
import dev.pulse.alerts.temperature.TemperatureAlertProperties;
import dev.pulse.alerts.temperature.DeviceAlertState;
import dev.pulse.alerts.temperature.TemperatureAlert;
import dev.pulse.alerts.temperature.TemperatureAlertService;
import dev.pulse.redis.RedisConnector;
import dev.pulse.redis.RedisKeys;
import dev.pulse.events.Decoded;
import dev.pulse.events.SensorReading;
import dev.pulse.testkit.Records;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.EmbeddedRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Redis round trips per event of the temperature alerts, against a real {@code redis-server} on loopback
 * ({@link EmbeddedRedis}), a poll of {@value #BATCH} readings over {@value Inputs#PARTITIONS} partitions at a time:
 * <ul>
 *   <li>{@code baselinePerRecordGetSet}: what the tutorials' consumers do, per reading: decode, {@code GET} the
 *       device's state, apply the threshold, {@code SET} it back (2 round trips per reading);</li>
 *   <li>{@code pollOf500}: the service ({@link TemperatureAlertService#process} on {@link RedisStateStore}): one
 *       {@code MGET} and one Lua compare-and-set per partition per poll, plus the exactly-once progress record;</li>
 *   <li>{@code roundTripsOnlyPollOf500}: only the service's round trips ({@code MGET} of the same keys, then the
 *       compare-and-set writing every state and the progress record), none of its decoding or logic.</li>
 * </ul>
 * Both sides read and write the same {@link DeviceAlertState} JSON, so the difference is the round trips and the
 * service's bookkeeping.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
public class RedisRoundTripBenchmark {

    static final int BATCH = 500;
    private static final Duration TTL = Duration.ofDays(30);
    private static final String PROGRESS_PREFIX = "temperature:progress:" + Topics.REAL_TIME_DATA + ":";
    private static final RedisKeys KEYS = new RedisKeys(RedisKeys.DEFAULT_PREFIX);

    private final TemperatureAlertProperties properties = TemperatureAlertProperties.defaults();
    private EmbeddedRedis redis;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> commands;
    private RedisStateStore store;
    private TemperatureAlertService service;

    @Setup(Level.Trial)
    public void startRedis() throws IOException {
        redis = EmbeddedRedis.start(0);
        client = RedisClient.create(redis.uri());
        connection = client.connect();
        commands = connection.sync();
        store = new RedisStateStore(RedisConnector.of(connection), new AlertStateProperties(TTL, Duration.ofSeconds(5)), KEYS);
        service = new TemperatureAlertService(Records.DECODER, Records.JSON, Records.DEAD_LETTERS, properties, store,
            Topics.TEMPERATURE_ALERTS);
    }

    @TearDown(Level.Trial)
    public void stopRedis() {
        connection.close();
        client.shutdown();
        redis.close();
    }

    /** The next poll of {@value #BATCH} readings, and the keys the service reads and writes for it per partition. */
    @State(Scope.Thread)
    public static class Batch {
        private final Inputs.Readings readings = new Inputs.Readings();
        private long round;
        List<ConsumerRecord<byte[], byte[]>> records;
        final Map<Integer, List<String>> readKeys = new TreeMap<>();
        final Map<Integer, Set<String>> writtenKeys = new TreeMap<>();
        String state;
        String progress;

        @Setup(Level.Invocation)
        public void next() {
            records = readings.next(BATCH);
            readKeys.clear();
            writtenKeys.clear();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                String device = Records.text(record.key());
                Set<String> written = writtenKeys.computeIfAbsent(record.partition(), p -> new LinkedHashSet<>(
                    List.of(PROGRESS_PREFIX + p)));
                written.add(TemperatureAlertService.stateKey(device));
            }
            writtenKeys.forEach((partition, written) -> {
                List<String> keys = new ArrayList<>(written);
                written.stream().skip(1).forEach(k -> keys.add(TemperatureAlertService.thresholdKey(
                    k.substring(k.lastIndexOf(':') + 1))));
                readKeys.put(partition, keys);
            });
            round++;
            state = write(new DeviceAlertState(TemperatureAlert.RAISED, "temp-sensor_1-" + round, round * 1000L));
            progress = "{\"offset\":" + round * BATCH + ",\"memo\":{}}";
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int baselinePerRecordGetSet(Batch batch) {
        int alerts = 0;
        for (ConsumerRecord<byte[], byte[]> record : batch.records) {
            Decoded<SensorReading> decoded = Records.DECODER.decodeSensor(record.key(), record.value());
            SensorReading reading = decoded.value();
            String key = KEYS.key(TemperatureAlertService.stateKey(reading.deviceId()));
            String stored = commands.get(key);
            DeviceAlertState state = stored == null ? null : read(stored);
            boolean raised = state != null && state.raised();
            double t = reading.temperature();
            long time = reading.eventTimeMs() != null ? reading.eventTimeMs() : record.timestamp();
            DeviceAlertState next;
            if (!raised && t > properties.threshold()) {
                next = new DeviceAlertState(TemperatureAlert.RAISED, "temp-" + reading.deviceId() + "-" + time, time);
                alerts++;
            } else if (raised && t < properties.threshold() - properties.hysteresis()) {
                next = new DeviceAlertState(DeviceAlertState.NORMAL, null, null);
                alerts++;
            } else {
                next = new DeviceAlertState(state == null ? DeviceAlertState.NORMAL : state.state(),
                    state == null ? null : state.alertId(), state == null ? null : state.since());
            }
            commands.set(key, write(next));
        }
        return alerts;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<ProducerRecord<byte[], byte[]>> pollOf500(Batch batch) {
        return service.process(batch.records);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public boolean roundTripsOnlyPollOf500(Batch batch) {
        boolean all = true;
        for (Map.Entry<Integer, List<String>> partition : batch.readKeys.entrySet()) {
            Map<String, String> loaded = store.getAll(partition.getValue());
            Map<String, String> expected = new HashMap<>();
            Map<String, String> updates = new HashMap<>();
            for (String key : batch.writtenKeys.get(partition.getKey())) {
                expected.put(key, loaded.get(key));
                updates.put(key, key.startsWith(PROGRESS_PREFIX) ? batch.progress : batch.state);
            }
            all &= store.compareAndSet(expected, updates);
        }
        return all;
    }

    private static DeviceAlertState read(String json) {
        try {
            return Records.JSON.readValue(json, DeviceAlertState.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String write(Object value) {
        try {
            return Records.JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
