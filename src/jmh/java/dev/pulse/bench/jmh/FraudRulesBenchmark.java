package dev.pulse.bench.jmh;

import dev.pulse.alerts.fraud.FraudProperties;
import dev.pulse.alerts.fraud.FraudService;
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
 * The fraud rules ({@link FraudService#process}: decode, load the partition's card states, check the four rules,
 * compare-and-set state and progress, key the alerts) on the in-memory state store of the unit tests, so no Redis
 * time is in it; per event, in a poll of {@value #BATCH} transactions and in a poll of one. Baseline: decoding the
 * same transactions, nothing else. Input: {@link Inputs.Transactions} (about 3 % raise alerts).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 600, timeUnit = TimeUnit.MILLISECONDS)
public class FraudRulesBenchmark {

    static final int BATCH = 500;

    private final FraudService service = new FraudService(Records.DECODER, Records.JSON, Records.DEAD_LETTERS,
        FraudProperties.defaults(), new InMemoryStateStore(), Topics.FRAUD_ALERTS);

    /** The next poll of {@value #BATCH} transactions (new ids: a repeated id is checked once, then skipped). */
    @State(Scope.Thread)
    public static class Batch {
        private final Inputs.Transactions transactions = new Inputs.Transactions();
        List<ConsumerRecord<byte[], byte[]>> records;

        @Setup(Level.Invocation)
        public void next() {
            records = transactions.next(BATCH);
        }
    }

    /** The next poll of one transaction. */
    @State(Scope.Thread)
    public static class One {
        private final Inputs.Transactions transactions = new Inputs.Transactions();
        List<ConsumerRecord<byte[], byte[]>> records;

        @Setup(Level.Invocation)
        public void next() {
            records = transactions.next(1);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void baselineDecodeOnly(Batch batch, Blackhole bh) {
        for (ConsumerRecord<byte[], byte[]> record : batch.records) {
            Decoded<?> transaction = Records.DECODER.decodePayment(record.value());
            bh.consume(transaction);
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
