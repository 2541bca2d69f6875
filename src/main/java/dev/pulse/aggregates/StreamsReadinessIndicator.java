package dev.pulse.aggregates;

import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Readiness of the aggregates: UP only while the Streams application is {@code RUNNING} and every stream thread
 * has polled within {@code max.poll.interval.ms}. Micronaut's own Kafka Streams indicator counts a rebalance as
 * UP; while partitions move or state is restored the stores cannot answer, so this instance should not take
 * reads. And a thread stuck in one record stays {@code RUNNING} while its group has already given its partitions
 * away and nothing it holds moves: its consumer's {@code last-poll-seconds-ago} says so.
 *
 * <p>Details: {@code state}, {@code max_poll_interval_ms}, and {@code seconds_since_poll} per stream thread (a
 * thread that has not polled yet is left out).
 */
@Singleton
@Readiness
public class StreamsReadinessIndicator implements HealthIndicator {

    static final String NAME = "pulseStreams";

    private static final String LAST_POLL = "last-poll-seconds-ago";
    private static final String CONSUMER_METRICS = "consumer-metrics";

    private final Supplier<KafkaStreams.State> state;
    private final Supplier<Map<String, Double>> secondsSincePoll;
    private final long maxPollIntervalMs;

    @Inject
    public StreamsReadinessIndicator(KafkaStreams streams,
                                     @Named(AggregatesTopology.STREAM) ConfiguredStreamBuilder builder) {
        this(streams::state, () -> secondsSincePoll(streams), maxPollIntervalMs(builder.getConfiguration()));
    }

    /**
     * @param secondsSincePoll per stream thread, the seconds since its consumer's last poll (whole seconds, as the
     *                         consumer counts them; negative before its first poll)
     */
    StreamsReadinessIndicator(Supplier<KafkaStreams.State> state, Supplier<Map<String, Double>> secondsSincePoll,
                              long maxPollIntervalMs) {
        this.state = state;
        this.secondsSincePoll = secondsSincePoll;
        this.maxPollIntervalMs = maxPollIntervalMs;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCallable(this::result);
    }

    HealthResult result() {
        KafkaStreams.State now = state.get();
        Map<String, Double> sincePoll = new TreeMap<>();
        boolean stalled = false;
        for (Map.Entry<String, Double> thread : secondsSincePoll.get().entrySet()) {
            if (thread.getValue() != null && thread.getValue() >= 0) {
                sincePoll.put(thread.getKey(), thread.getValue());
                stalled |= thread.getValue() * 1000 > maxPollIntervalMs;
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("state", now.name());
        details.put("max_poll_interval_ms", maxPollIntervalMs);
        details.put("seconds_since_poll", sincePoll);
        boolean up = now == KafkaStreams.State.RUNNING && !stalled;
        return HealthResult.builder(NAME, up ? HealthStatus.UP : HealthStatus.DOWN).details(details).build();
    }

    /** Each live stream thread's main consumer's {@code last-poll-seconds-ago}, by thread name. */
    static Map<String, Double> secondsSincePoll(KafkaStreams streams) {
        Map<String, String> threadOfConsumer = new LinkedHashMap<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            threadOfConsumer.put(thread.consumerClientId(), thread.threadName());
        }
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (Map.Entry<MetricName, ? extends Metric> metric : streams.metrics().entrySet()) {
            MetricName name = metric.getKey();
            String thread = threadOfConsumer.get(name.tags().get("client-id"));
            if (thread != null && LAST_POLL.equals(name.name()) && CONSUMER_METRICS.equals(name.group())
                && metric.getValue().metricValue() instanceof Number value) {
                seconds.put(thread, value.doubleValue());
            }
        }
        return seconds;
    }

    /** The main consumer's {@code max.poll.interval.ms} as the stream's configuration sets it (prefixes included). */
    static long maxPollIntervalMs(Properties streamsConfig) {
        // The two-argument constructor does not log the whole configuration again.
        StreamsConfig config = new StreamsConfig(streamsConfig, false) {
        };
        Object value = config.getMainConsumerConfigs("readiness", "readiness", 0)
            .get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        if (value == null) {
            value = ConsumerConfig.configDef().defaultValues().get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        }
        return Long.parseLong(value.toString().trim());
    }
}
