package dev.pulse.aggregates;

import dev.pulse.events.EventDecoder;
import dev.pulse.kafka.KafkaTopicsProperties;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import dev.pulse.metrics.PulseMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.context.annotation.Factory;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.KStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * The Kafka Streams application {@code pulse-aggregates}: every output of the contract that is an
 * aggregate or a join, assembled from one class per aggregate, each with its topics, keys and
 * semantics in its Javadoc:
 *
 * <table>
 * <caption>The aggregates</caption>
 * <tr><th>class</th><th>in</th><th>out</th></tr>
 * <tr><td>{@link WordTotals}</td><td>word-counts</td><td>word-totals</td></tr>
 * <tr><td>{@link CategoryAggregates}</td><td>input-topic</td><td>aggregated-topic, windowed-aggregates</td></tr>
 * <tr><td>{@link UserActivity}</td><td>user-events</td><td>event-counts, top-pages</td></tr>
 * <tr><td>{@link DeviceAverages}</td><td>real-time-data</td><td>device-averages</td></tr>
 * <tr><td>{@link ClickEnrichment}</td><td>user-clicks, purchases, user-profiles, product-catalog</td>
 *     <td>enriched-clicks, enriched-purchases, click-purchases</td></tr>
 * <tr><td>{@link HomeClicks}</td><td>user-clicks</td><td>click-counts</td></tr>
 * <tr><td>{@link ClickSessions}</td><td>user-clicks</td><td>user-sessions</td></tr>
 * </table>
 *
 * <p>Inputs are read as bytes and decoded in the topology ({@link InputStreams}); a record that does
 * not decode goes to {@code dead-letter-queue} and the rest goes on. Each decoded record takes its
 * event's own {@code timestamp} as record time (the Kafka record time when it has none), so every
 * window is an event-time window, {@code [start, end)}, that accepts late records for {@code grace}
 * (default 10 s) after its end; later ones are dropped and counted in Streams' dropped-records metric. The windows
 * of {@code windowed-aggregates} also close on the wall clock when their partition is quiet ({@link ClosingWindows}).
 * State stores are named in {@link AggregateStores} for interactive queries.
 */
@Factory
public class AggregatesTopology {

    /**
     * The stream's name: its settings are {@code kafka.streams.default.*} (application id
     * {@code pulse-aggregates}). It is the default stream because micronaut-kafka-streams creates one
     * named {@code default} whenever {@code kafka.streams.default} is not configured, and that one,
     * with an empty topology, would fail start-up.
     */
    public static final String STREAM = "default";

    private static final Logger LOG = LoggerFactory.getLogger(AggregatesTopology.class);

    /**
     * The topology of the {@code aggregates} stream. It depends on {@link TopicCreator} (when topic
     * creation is on) so the contract's topics exist before the stream starts.
     */
    @Singleton
    @Named(STREAM)
    KStream<String, byte[]> aggregatesStream(@Named(STREAM) ConfiguredStreamBuilder builder,
                                             AggregatesProperties properties, TopicNames topicNames,
                                             EventDecoder decoder, JsonMapper jsonMapper, PulseMetrics metrics,
                                             Optional<TopicCreator> topicsCreatedFirst, AdminClient admin,
                                             KafkaTopicsProperties topics) {
        dropUnknownEndpoint(builder.getConfiguration());
        return build(builder, properties, topicNames::resolve, decoder, jsonMapper, metrics,
            partitionsAtStart(admin, Topics.REAL_TIME_DATA, topicNames.resolve(Topics.REAL_TIME_DATA),
                topics.createTimeout()));
    }

    /**
     * The partition count of the input topic {@code name} as the cluster has it now, keyed by its contract name
     * {@code defaultName}; empty when the cluster cannot tell within {@code timeout} or does not know the topic (the
     * topology then learns the count as it runs). {@link DeviceAverages} needs it from the first reading on: a reading it cannot place goes
     * through a repartition topic, and in a backlog the readings in place that follow it can move stream time past
     * its window's grace before it comes back.
     */
    static Map<String, Integer> partitionsAtStart(Admin admin, String defaultName, String name, Duration timeout) {
        try {
            int count = admin.describeTopics(List.of(name)).allTopicNames().get(timeout.toMillis(),
                TimeUnit.MILLISECONDS).get(name).partitions().size();
            return Map.of(defaultName, count);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Could not read the partition count of {} ({}): its first readings go through a repartition topic "
                + "until the topology has learnt it", name, e instanceof ExecutionException ? e.getCause() : e);
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
    }

    /**
     * Removes {@code application.server} when it names a random port ({@code -1} or {@code 0}): the port
     * is not known before the HTTP server binds, Streams refuses such an endpoint, and a lone instance
     * (tests) needs no routing of queries.
     */
    static void dropUnknownEndpoint(Properties config) {
        String endpoint = config.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
        if (endpoint != null && (endpoint.endsWith(":-1") || endpoint.endsWith(":0"))) {
            config.remove(StreamsConfig.APPLICATION_SERVER_CONFIG);
            LOG.info("No application.server for interactive queries: {} names a random port", endpoint);
        }
    }

    /**
     * Adds the whole topology to {@code builder}.
     *
     * @param topicName maps a {@link Topics} default name to the configured one
     * @return the raw stream of {@code word-counts} (the factory must return a stream)
     */
    public static KStream<String, byte[]> build(StreamsBuilder builder, AggregatesProperties properties,
                                                UnaryOperator<String> topicName, EventDecoder decoder,
                                                JsonMapper jsonMapper) {
        return build(builder, properties, topicName, decoder, jsonMapper,
            new PulseMetrics(new SimpleMeterRegistry()));
    }

    /** As above, counting processed and dead-lettered records in {@code metrics}. */
    public static KStream<String, byte[]> build(StreamsBuilder builder, AggregatesProperties properties,
                                                UnaryOperator<String> topicName, EventDecoder decoder,
                                                JsonMapper jsonMapper, PulseMetrics metrics) {
        return build(builder, properties, topicName, decoder, jsonMapper, metrics, Map.of());
    }

    /**
     * As above, with the partition counts of input topics (by default name) known when it is built
     * ({@link #partitionsAtStart}).
     */
    public static KStream<String, byte[]> build(StreamsBuilder builder, AggregatesProperties properties,
                                                UnaryOperator<String> topicName, EventDecoder decoder,
                                                JsonMapper jsonMapper, PulseMetrics metrics,
                                                Map<String, Integer> partitionsAtStart) {
        InputStreams inputs = new InputStreams(topicName, decoder, jsonMapper, metrics, partitionsAtStart);
        // The order of these calls numbers the sub-topologies, and with them the tasks (and their state
        // directories) of a running deployment: add a new aggregate at the end.
        KStream<String, byte[]> words = WordTotals.build(builder, inputs);
        CategoryAggregates.build(builder, properties, inputs);
        UserActivity.build(builder, properties, inputs);
        DeviceAverages.build(builder, properties, inputs);
        ClickEnrichment.build(builder, properties, inputs);
        HomeClicks.build(builder, properties, inputs);
        ClickSessions.build(builder, properties, inputs);
        return words;
    }
}
