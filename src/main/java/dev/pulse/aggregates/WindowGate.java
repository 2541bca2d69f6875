package dev.pulse.aggregates;

import dev.pulse.metrics.PulseMetrics;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.StoreBuilder;

import java.time.Duration;
import java.util.Set;

/**
 * Closes the tumbling windows of a DSL window aggregate that writes every update ({@code count()} without
 * {@code suppress}) as {@link ClosingWindows} closes its own: by stream time, or by the wall clock once stream time
 * has stood still for longer than {@code idleCloseAfter} ({@link WindowClock}). Placed right before the aggregate,
 * on the same records, it passes on the records of open windows and drops the late ones (counted in
 * {@code dropped-records} and {@code pulse_late_records_total{aggregate}}), so a window the wall clock has closed
 * never changes again, and its last update on the output topic is its final value. The aggregate's own grace check
 * then never drops anything: its stream time is the gate's, which has already dropped what it would.
 *
 * <p>Input and output: the aggregate's records, unchanged (key, value, event time as the record time). State: the
 * clock in {@link Spec#clockStore}, changelogged, so a restart neither forgets a close nor reopens a window. The
 * aggregate's window store is the DSL's as before, so the state of a deployment that ran without the gate is used
 * as it is; the gate's clock starts with the first record after such an upgrade, as the DSL's stream time does
 * after every restart.
 */
final class WindowGate<V> implements FixedKeyProcessor<String, V, V> {

    /**
     * The windows to close.
     *
     * @param aggregate      names the aggregate in metrics and logs (its output topic)
     * @param size           the aggregate's window size
     * @param grace          the aggregate's grace
     * @param idleCloseAfter how long stream time must stand still before the wall clock closes windows
     * @param idleCloseCheck how often the wall clock is looked at
     */
    record Spec(String aggregate, String clockStore, Duration size, Duration grace, Duration idleCloseAfter,
                Duration idleCloseCheck, PulseMetrics metrics) {
    }

    /** The gate with its clock store, which {@code KStream#processValues} adds to the topology. */
    static <V> FixedKeyProcessorSupplier<String, V, V> supplier(Spec spec) {
        return new FixedKeyProcessorSupplier<>() {
            @Override
            public FixedKeyProcessor<String, V, V> get() {
                return new WindowGate<>(spec);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(WindowClock.storeBuilder(spec.clockStore()));
            }
        };
    }

    private final Spec spec;
    private final WindowClock clock;
    private FixedKeyProcessorContext<String, V> context;

    private WindowGate(Spec spec) {
        this.spec = spec;
        this.clock = new WindowClock(spec.aggregate(), spec.size(), spec.grace(), spec.idleCloseAfter(),
            spec.metrics());
    }

    @Override
    public void init(FixedKeyProcessorContext<String, V> context) {
        this.context = context;
        // Nothing to write when windows close: the aggregate has written their last update already.
        clock.init(context, spec.clockStore(), spec.idleCloseCheck(), (previousCloseTime, closeTime) -> { });
    }

    @Override
    public void process(FixedKeyRecord<String, V> record) {
        if (clock.admit(record.key(), record.timestamp()) != WindowClock.NONE) {
            context.forward(record);
        }
        clock.closeByStreamTime();
    }
}
