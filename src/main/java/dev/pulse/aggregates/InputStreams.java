package dev.pulse.aggregates;

import dev.pulse.events.EventDecoder;
import dev.pulse.kafka.Topics;
import dev.pulse.metrics.PulseMetrics;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What the aggregates of one topology share: the configured topic names, the reading of an input
 * topic as bytes decoded by {@link DecodeStep} (rejected records to {@code dead-letter-queue}), and
 * the streams more than one aggregate reads. One instance per topology build.
 */
final class InputStreams {

    private static final Serde<String> STRINGS = Serdes.String();
    private static final Serde<byte[]> BYTES = Serdes.ByteArray();

    private final UnaryOperator<String> topicName;
    private final EventDecoder decoder;
    private final JsonMapper jsonMapper;
    private final PulseMetrics metrics;
    private final String deadLetters;
    private final Serde<ClickEvent> clicks;
    private final Map<String, Integer> partitionsAtStart;
    private KStream<String, ClickEvent> clicksByUser;

    /** @param topicName maps a {@link Topics} default name to the configured one */
    InputStreams(UnaryOperator<String> topicName, EventDecoder decoder, JsonMapper jsonMapper, PulseMetrics metrics) {
        this(topicName, decoder, jsonMapper, metrics, Map.of());
    }

    /**
     * @param topicName         maps a {@link Topics} default name to the configured one
     * @param partitionsAtStart the partition counts of input topics (by default name) as the cluster gave them when
     *                          the topology was built; a topic left out is not known
     */
    InputStreams(UnaryOperator<String> topicName, EventDecoder decoder, JsonMapper jsonMapper, PulseMetrics metrics,
                 Map<String, Integer> partitionsAtStart) {
        this.partitionsAtStart = Map.copyOf(partitionsAtStart);
        this.topicName = topicName;
        this.decoder = decoder;
        this.jsonMapper = jsonMapper;
        this.metrics = metrics;
        this.deadLetters = topicName.apply(Topics.DEAD_LETTER_QUEUE);
        this.clicks = VersionedSerde.json("the clicks (clicks-by-user, the join stores)", jsonMapper, ClickEvent.class);
    }

    /** The configured name of the contract topic {@code defaultName}. */
    String topic(String defaultName) {
        return topicName.apply(defaultName);
    }

    /** The partition count of the input topic {@code defaultName} when the topology was built; 0 if not known. */
    int partitionsAtStart(String defaultName) {
        return partitionsAtStart.getOrDefault(defaultName, 0);
    }

    EventDecoder decoder() {
        return decoder;
    }

    JsonMapper jsonMapper() {
        return jsonMapper;
    }

    PulseMetrics metrics() {
        return metrics;
    }

    /** The serde of {@link #clicksByUser}'s values. */
    Serde<ClickEvent> clicks() {
        return clicks;
    }

    /** The records of {@code topic} as they arrive (keys as {@link DecodeStep#KEYS} reads them), by the source named {@code name + "-source"}. */
    KStream<String, byte[]> source(StreamsBuilder builder, String topic, String name) {
        return builder.stream(topic(topic), Consumed.with(DecodeStep.KEYS, BYTES).withName(name + "-source"));
    }

    /** {@code topic} read and decoded; see {@link DecodeStep#decodeStream} for the parameters. */
    <T> KStream<String, T> decode(StreamsBuilder builder, String topic, String name, DecodeStep.RecordDecoder<T> recordDecoder,
                                  Function<T, Long> eventTime, boolean tombstones) {
        return decode(source(builder, topic, name), topic, name, recordDecoder, eventTime, tombstones);
    }

    /** {@code raw}, the records of {@code topic}, decoded; see {@link DecodeStep#decodeStream}. */
    <T> KStream<String, T> decode(KStream<String, byte[]> raw, String topic, String name,
                                  DecodeStep.RecordDecoder<T> recordDecoder, Function<T, Long> eventTime,
                                  boolean tombstones) {
        // input-topic and real-time-data are read by listeners too, which dead-letter their bad records.
        boolean listenerDeadLetters = topic.equals(Topics.INPUT_TOPIC) || topic.equals(Topics.REAL_TIME_DATA);
        return DecodeStep.decodeStream(raw, name, listenerDeadLetters ? null : deadLetters, recordDecoder, eventTime,
            tombstones, jsonMapper, metrics);
    }

    /**
     * {@code user-clicks} decoded and keyed by the user named in the value, through the repartition
     * topic {@code clicks-by-user}, so a producer that sets no key (or another one) is served too.
     * Built once, by the first aggregate that asks; the others share its repartition topic.
     */
    KStream<String, ClickEvent> clicksByUser(StreamsBuilder builder) {
        if (clicksByUser == null) {
            clicksByUser = decode(builder, Topics.USER_CLICKS, "clicks",
                    (key, value, time) -> decoder.decodeClick(value).map(click -> new ClickEvent(click,
                        new String(value, StandardCharsets.UTF_8),
                        click.eventTimeMs() == null ? time : click.eventTimeMs())),
                    ClickEvent::timeMs, false)
                .selectKey((key, click) -> click.click().user(), Named.as("clicks-keyed-by-user"))
                .repartition(Repartitioned.with(STRINGS, clicks).withName("clicks-by-user"));
        }
        return clicksByUser;
    }
}
