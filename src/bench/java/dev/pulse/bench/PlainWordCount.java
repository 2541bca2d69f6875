package dev.pulse.bench;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;

import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;

/**
 * The peer a user might write instead of Pulse: the word count of Kafka's own examples
 * ({@code org.apache.kafka.streams.examples.wordcount.WordCountDemo}), no framework, with exactly-once on. The load
 * driver runs it in a JVM of its own, with the same heap, commit interval and cache size as Pulse's Streams
 * application, on the same preloaded input.
 *
 * <p>Arguments are Streams settings as {@code name=value} (application.id, bootstrap.servers, commit.interval.ms,
 * statestore.cache.max.bytes, state.dir, ...) plus {@code input.topic} and {@code output.topic}. Text lines in,
 * {@code word → count} (a long) out.
 */
public final class PlainWordCount {

    private PlainWordCount() {
    }

    public static void main(String[] args) throws InterruptedException {
        Properties props = PlainStreamsApp.settings(args);
        String input = (String) props.remove("input.topic");
        String output = (String) props.remove("output.topic");

        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, String> source = builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()));
        KTable<String, Long> counts = source
            .flatMapValues(value -> Arrays.asList(value.toLowerCase(Locale.getDefault()).split("\\W+")))
            .groupBy((key, value) -> value, Grouped.with(Serdes.String(), Serdes.String()))
            .count();
        counts.toStream().to(output, Produced.with(Serdes.String(), Serdes.Long()));

        PlainStreamsApp.run("streams-wordcount", builder.build(), props);
    }
}
