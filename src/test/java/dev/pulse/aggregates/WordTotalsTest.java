package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

    @Test
    void publishesThePartitionsTopWordsOncePerCommitIntervalWhenTheyChanged() throws Exception {
        try (TopologyDriver topology = new TopologyDriver((builder, properties, inputs) -> WordTotals.build(builder, inputs))) {
            topology.send(Topics.WORD_COUNTS, null, "pear apple pear fig apple zebra", T0);
            assertEquals(List.of(), topology.readBytes(Topics.WORD_TOTALS_TOP), "nothing before the first punctuation");

            topology.driver.advanceWallClockTime(Duration.ofMinutes(1));
            List<KeyValue<String, byte[]>> first = topology.readBytes(Topics.WORD_TOTALS_TOP);
            assertEquals(1, first.size(), first::toString);
            assertEquals("0", first.get(0).key, "keyed by the partition");
            assertEquals(new TopWordsOfPartition(0, List.of(new WordCount("apple", 2), new WordCount("pear", 2),
                new WordCount("fig", 1), new WordCount("zebra", 1))), parse(first.get(0).value), "ties by word");

            topology.driver.advanceWallClockTime(Duration.ofMinutes(1));
            assertEquals(List.of(), topology.readBytes(Topics.WORD_TOTALS_TOP), "unchanged: not published again");

            topology.send(Topics.WORD_COUNTS, null, "zebra zebra", T0);
            topology.driver.advanceWallClockTime(Duration.ofMinutes(1));
            List<KeyValue<String, byte[]>> next = topology.readBytes(Topics.WORD_TOTALS_TOP);
            assertEquals(1, next.size(), "two changes, one list: " + next);
            assertEquals(List.of(new WordCount("zebra", 3), new WordCount("apple", 2), new WordCount("pear", 2),
                new WordCount("fig", 1)), parse(next.get(0).value).words());
        }
    }

    @Test
    void keepsTheTopThousandWordsOfThePartition() throws Exception {
        try (TopologyDriver topology = new TopologyDriver((builder, properties, inputs) -> WordTotals.build(builder, inputs))) {
            StringBuilder line = new StringBuilder("w0000");
            for (int w = 0; w < TopWordsOfPartition.LIMIT + 5; w++) {
                line.append(String.format(" w%04d", w));
            }
            topology.send(Topics.WORD_COUNTS, null, line.toString(), T0);
            topology.driver.advanceWallClockTime(Duration.ofMinutes(1));

            List<WordCount> words = parse(topology.readBytes(Topics.WORD_TOTALS_TOP).get(0).value).words();
            assertEquals(TopWordsOfPartition.LIMIT, words.size());
            assertEquals(new WordCount("w0000", 2), words.get(0));
            assertEquals(new WordCount("w0001", 1), words.get(1));
            assertEquals(new WordCount("w0999", 1), words.get(TopWordsOfPartition.LIMIT - 1), "w1000 and on left out");
        }
    }

    @Test
    void aRestartedTaskRepublishesItsPartitionsTopWordsFromItsStore() throws Exception {
        Path first = Files.createTempDirectory("word-totals-state");
        Path copy = Files.createTempDirectory("word-totals-restarted");
        TopologyDriver.Part words = (builder, properties, inputs) -> WordTotals.build(builder, inputs);
        try (TopologyDriver topology = new TopologyDriver(AggregatesProperties.defaults(), words,
            TopologyDriver.stateDir(first))) {
            topology.send(Topics.WORD_COUNTS, null, "fig apple fig", T0);
            topology.driver.advanceWallClockTime(Duration.ofMinutes(1));
            assertEquals(1, topology.readBytes(Topics.WORD_TOTALS_TOP).size());
            TopologyDriver.copyTree(first, copy);
        }

        // The counts are in the store before the processor starts: it rebuilds its list from them.
        try (TopologyDriver restarted = new TopologyDriver(AggregatesProperties.defaults(), words,
            TopologyDriver.stateDir(copy))) {
            restarted.driver.advanceWallClockTime(Duration.ofMinutes(1));
            List<KeyValue<String, byte[]>> republished = restarted.readBytes(Topics.WORD_TOTALS_TOP);
            assertEquals(1, republished.size(), republished::toString);
            assertEquals(List.of(new WordCount("fig", 2), new WordCount("apple", 1)),
                parse(republished.get(0).value).words());
        }
    }

    private static TopWordsOfPartition parse(byte[] published) {
        return TopWordsOfPartition.serde(TopologyDriver.JSON).deserializer().deserialize(Topics.WORD_TOTALS_TOP, published);
    }
}
