package dev.pulse.bench.jmh;

import dev.pulse.alerts.temperature.TemperatureAlertProperties;
import dev.pulse.alerts.temperature.TemperatureAlertService;
import dev.pulse.events.Decoded;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.InMemoryStateStore;
import dev.pulse.testkit.Records;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The temperature alert state machine ({@link TemperatureAlertService#process}: decode, load the partition's state,
 * apply each reading, compare-and-set state and progress, key the alerts) on the in-memory state store of the unit
 * tests, so no Redis time is in it; per event, in a poll of {@value #BATCH} readings and in a poll of one.
 * Baseline: decoding the same readings, nothing else. Input: {@link Inputs.Readings}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 600, timeUnit = TimeUnit.MILLISECONDS)
public class TemperatureAlertBenchmark {

    static final int BATCH = 500;

    private final TemperatureAlertService service = new TemperatureAlertService(Records.DECODER, Records.JSON,
        Records.DEAD_LETTERS, TemperatureAlertProperties.defaults(), new InMemoryStateStore(), Topics.TEMPERATURE_ALERTS);

    /** The next poll of {@value #BATCH} readings. */
    @State(Scope.Thread)
    public static class Batch {
        private final Inputs.Readings readings = new Inputs.Readings();
        List<ConsumerRecord<byte[], byte[]>> records;

        @Setup(Level.Invocation)
        public void next() {
            records = readings.next(BATCH);
        }
    }

    /** The next poll of one reading. */
    @State(Scope.Thread)
    public static class One {
        private final Inputs.Readings readings = new Inputs.Readings();
        List<ConsumerRecord<byte[], byte[]>> records;

        @Setup(Level.Invocation)
        public void next() {
            records = readings.next(1);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void baselineDecodeOnly(Batch batch, Blackhole bh) {
        for (ConsumerRecord<byte[], byte[]> record : batch.records) {
            Decoded<?> reading = Records.DECODER.decodeSensor(record.key(), record.value());
            bh.consume(reading);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<ProducerRecord<byte[], byte[]>> pollOf500(Batch batch) {
        return service.process(batch.records);
    }

    @Benchmark
    public List<ProducerRecord<byte[], byte[]>> pollOf1(One one) {
        return service.process(one.records);
    }
}
