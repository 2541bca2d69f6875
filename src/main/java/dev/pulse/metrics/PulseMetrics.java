package dev.pulse.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Pulse's own processing metrics, the same for the listeners and the Kafka Streams topology
 * (Prometheus names in brackets):
 * <ul>
 *   <li>events taken from each input topic ({@code pulse_events_processed_total{stream}});</li>
 *   <li>records sent to the dead-letter queue per source topic and reason class
 *       ({@code pulse_dead_letters_total{source_topic,reason}}; reasons are the bounded set of
 *       {@code DeadLetterReason}: {@code invalid_json}, {@code missing_field}, …);</li>
 *   <li>alerts per type and rule or state ({@code pulse_alerts_raised_total{type,rule}});</li>
 *   <li>records that came for a window already closed, dropped ({@code pulse_late_records_total{aggregate}},
 *       the aggregate named by its output topic);</li>
 *   <li>time from a record's timestamp to its output being committed, as a histogram
 *       ({@code pulse_processing_latency_seconds{listener}}).</li>
 * </ul>
 */
@Singleton
public class PulseMetrics {

    private final MeterRegistry registry;

    public PulseMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void processed(String topic, long count) {
        if (count > 0) {
            Counter.builder("pulse.events.processed").tag("stream", topic)
                .description("records taken from an input topic").register(registry).increment(count);
        }
    }

    /** @param reason a reason class label ({@code invalid_json}, …): a bounded set, as a label must be */
    public void deadLetter(String sourceTopic, String reason) {
        Counter.builder("pulse.dead.letters").tag("source_topic", sourceTopic).tag("reason", reason)
            .description("records sent to the dead-letter queue").register(registry).increment();
    }

    public void alert(String type, String rule) {
        Counter.builder("pulse.alerts.raised").tag("type", type).tag("rule", rule)
            .description("alerts written, by type and rule (temperature: state)").register(registry).increment();
    }

    public void late(String aggregate) {
        Counter.builder("pulse.late.records").tag("aggregate", aggregate)
            .description("records for a window already closed, not counted").register(registry).increment();
    }

    public void latency(String listener, long millis) {
        Timer.builder("pulse.processing.latency").tag("listener", listener)
            .description("record timestamp to committed output")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(5))
            .register(registry).record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }
}
