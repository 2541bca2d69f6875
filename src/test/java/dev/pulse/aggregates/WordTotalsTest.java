package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.pulse.aggregates.TopologyDriver.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link WordTotals}: {@code word-counts} → {@code word-totals}, driven record by record.
 */
class WordTotalsTest {

    @Test
    void countsWordsOfObjectsAndTextLinesLowerCased() {
        try (TopologyDriver topology = new TopologyDriver((builder, properties, inputs) -> WordTotals.build(builder, inputs))) {
            topology.send(Topics.WORD_COUNTS, null, "{\"word\": \"Apple\"}", T0);
            topology.send(Topics.WORD_COUNTS, "k", "apple banana, APPLE! naïve", T0);

            List<KeyValue<String, String>> totals = topology.read(Topics.WORD_TOTALS);
            assertEquals(List.of(KeyValue.pair("apple", "1"), KeyValue.pair("apple", "2"), KeyValue.pair("banana", "1"),
                KeyValue.pair("apple", "3"), KeyValue.pair("naïve", "1")), totals);
        }
    }
}
