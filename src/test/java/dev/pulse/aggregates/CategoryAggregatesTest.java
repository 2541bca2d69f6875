package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import io.micrometer.core.instrument.Counter;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.MINUTE;
import static dev.pulse.aggregates.TopologyDriver.SECOND;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.parse;
import static dev.pulse.aggregates.TopologyDriver.record;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link CategoryAggregates}: {@code input-topic} → {@code aggregated-topic}, {@code windowed-aggregates},
 * driven record by record with explicit event times, and the driver's wall clock moved by hand.
 */
class CategoryAggregatesTest {

    @Test
    void aggregatesEachCategoryOnEveryUpdate() {
        try (TopologyDriver topology = new TopologyDriver(CategoryAggregates::build)) {
            topology.send(Topics.INPUT_TOPIC, null, record(1, T0S, 10, "A"), T0);
            topology.send(Topics.INPUT_TOPIC, null, record(2, T0S + 1, 5, "B"), T0);
            topology.send(Topics.INPUT_TOPIC, null, record(3, T0S + 2, 20, "A"), T0);

            assertEquals(List.of(
                KeyValue.pair("A", "{\"category\":\"A\",\"count\":1,\"sum\":10,\"average\":10,\"min\":10,\"max\":10,\"timestamp\":" + T0S + "}"),
                KeyValue.pair("B", "{\"category\":\"B\",\"count\":1,\"sum\":5,\"average\":5,\"min\":5,\"max\":5,\"timestamp\":" + (T0S + 1) + "}"),
                KeyValue.pair("A", "{\"category\":\"A\",\"count\":2,\"sum\":30,\"average\":15,\"min\":10,\"max\":20,\"timestamp\":" + (T0S + 2) + "}")),
                topology.read(Topics.AGGREGATED_TOPIC));
        }
    }

    @Test
    void emitsEachCategoryWindowOnceWhenItClosesCountingLateRecordsWithinGraceOnly() {
        try (TopologyDriver topology = new TopologyDriver(CategoryAggregates::build)) {
            topology.send(Topics.INPUT_TOPIC, null, record(1, T0S + 5, 10, "A"), T0);
            topology.send(Topics.INPUT_TOPIC, null, record(2, T0S + 59.999, 20, "A"), T0);
            topology.send(Topics.INPUT_TOPIC, null, record(3, T0S + 60, 1, "A"), T0);
            topology.send(Topics.INPUT_TOPIC, null, record(4, T0S + 69, 2, "A"), T0);
            // 21 s late, within the window's grace (it closes at 60 s + 10 s): still counted.
            topology.send(Topics.INPUT_TOPIC, null, record(5, T0S + 48, 30, "A"), T0);
            assertEquals(List.of(), topology.read(Topics.WINDOWED_AGGREGATES), "nothing before the window closes");

            topology.send(Topics.INPUT_TOPIC, null, record(6, T0S + 70, 4, "A"), T0);
            // Past the grace: dropped (Streams' dropped-records metric), not in the emitted window.
            topology.send(Topics.INPUT_TOPIC, null, record(7, T0S + 40, 1000, "A"), T0);
            topology.send(Topics.INPUT_TOPIC, null, record(8, T0S + 130, 0, "A"), T0);

            assertEquals(1.0, late(topology), "the record past the grace");
            assertEquals(List.of(
                KeyValue.pair("A", "{\"category\":\"A\",\"count\":3,\"sum\":60,\"average\":20,\"min\":10,\"max\":30,"
                    + "\"timestamp\":" + (T0S + 59.999) + ",\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 60) + "}"),
                KeyValue.pair("A", "{\"category\":\"A\",\"count\":3,\"sum\":7,\"average\":2.3333333333333335,\"min\":1,\"max\":4,"
                    + "\"timestamp\":" + (T0S + 70) + ",\"window_start\":" + (T0S + 60) + ",\"window_end\":" + (T0S + 120) + "}")),
                topology.read(Topics.WINDOWED_AGGREGATES));
        }
    }

    @Test
    void closesTheWindowsOfAQuietPartitionOnTheWallClockOnceItsGraceHasPassed() {
        try (TopologyDriver topology = new TopologyDriver(CategoryAggregates::build)) {
            sendTutorialRecords(topology);

            // The wall clock stands at T0 + 10 s; the windows end at T0 + 60 s, their grace 10 s later.
            topology.driver.advanceWallClockTime(Duration.ofSeconds(59));
            assertEquals(List.of(), topology.read(Topics.WINDOWED_AGGREGATES), "not before end + grace on the wall clock");

            topology.driver.advanceWallClockTime(Duration.ofSeconds(1));
            assertEquals(TUTORIAL_WINDOWS, topology.read(Topics.WINDOWED_AGGREGATES), "at end + grace: each window once");

            topology.driver.advanceWallClockTime(Duration.ofMinutes(5));
            assertEquals(List.of(), topology.read(Topics.WINDOWED_AGGREGATES), "never again");
        }
    }

    @Test
    void dropsAndCountsARecordForAWindowTheWallClockClosed() {
        try (TopologyDriver topology = new TopologyDriver(CategoryAggregates::build)) {
            sendTutorialRecords(topology);
            topology.driver.advanceWallClockTime(Duration.ofMinutes(2));
            assertEquals(TUTORIAL_WINDOWS, topology.read(Topics.WINDOWED_AGGREGATES));

            // Still within the grace by stream time (T0 + 9 s), but the window has been written: it is late.
            topology.send(Topics.INPUT_TOPIC, null, record(10, T0S + 30, 1000, "A"), T0);
            topology.driver.advanceWallClockTime(Duration.ofMinutes(2));

            assertEquals(List.of(), topology.read(Topics.WINDOWED_AGGREGATES));
            assertEquals(1.0, late(topology));
            assertEquals(1.0, streamsDroppedRecords(topology), "in Streams' dropped-records metric as well");
            ValueAndTimestamp<Stats> window = topology.driver.<String, Stats>getTimestampedWindowStore(
                AggregateStores.CATEGORY_WINDOWS).fetch("A", T0);
            assertEquals(5, window.value().count(), "the closed window did not change");
            assertEquals(T0 + 8 * SECOND, window.timestamp());
        }
    }

    @Test
    void doesNotCloseOnTheWallClockWhileStreamTimeKeepsMoving() {
        try (TopologyDriver topology = new TopologyDriver(CategoryAggregates::build)) {
            // One record every 5 s of wall clock for 2 minutes, event time 1 s apart: never quiet for the grace.
            for (int i = 0; i < 24; i++) {
                topology.send(Topics.INPUT_TOPIC, null, record(i, T0S + i, 1, "A"), T0);
                topology.driver.advanceWallClockTime(Duration.ofSeconds(5));
            }
            assertEquals(List.of(), topology.read(Topics.WINDOWED_AGGREGATES));
            assertEquals(0.0, late(topology));
        }
    }

    @Test
    void aRestartOnTheSameStateNeitherEmitsAClosedWindowAgainNorForgetsThatItClosed() throws IOException {
        Path first = Files.createTempDirectory("category-windows-state");
        Path copy = Files.createTempDirectory("category-windows-restarted");
        try (TopologyDriver topology = new TopologyDriver(AggregatesProperties.defaults(), CategoryAggregates::build,
            TopologyDriver.stateDir(first))) {
            sendTutorialRecords(topology);
            topology.driver.advanceWallClockTime(Duration.ofMinutes(2));
            assertEquals(TUTORIAL_WINDOWS, topology.read(Topics.WINDOWED_AGGREGATES));
            // The driver deletes its state when it closes: keep what a stopped instance leaves on disk.
            TopologyDriver.copyTree(first, copy);
        }

        try (TopologyDriver restarted = new TopologyDriver(AggregatesProperties.defaults(), CategoryAggregates::build,
            TopologyDriver.stateDir(copy))) {
            assertEquals(5, restarted.driver.<String, Stats>getTimestampedWindowStore(AggregateStores.CATEGORY_WINDOWS)
                .fetch("A", T0).value().count(), "the restarted task has its state");
            restarted.driver.advanceWallClockTime(Duration.ofMinutes(5));
            restarted.send(Topics.INPUT_TOPIC, null, record(10, T0S + 30, 1000, "A"), T0 + 5 * MINUTE);
            restarted.send(Topics.INPUT_TOPIC, null, record(11, T0S + 400, 7, "A"), T0 + 5 * MINUTE);
            restarted.driver.advanceWallClockTime(Duration.ofMinutes(5));

            assertEquals(List.of(KeyValue.pair("A", "{\"category\":\"A\",\"count\":1,\"sum\":7,\"average\":7,\"min\":7,"
                    + "\"max\":7,\"timestamp\":" + (T0S + 400) + ",\"window_start\":" + (T0S + 360) + ",\"window_end\":"
                    + (T0S + 420) + "}")),
                restarted.read(Topics.WINDOWED_AGGREGATES), "only the window that opened after the restart");
            assertEquals(1.0, late(restarted), "the record for a window closed before the restart");
        }
    }

    @Test
    void takesOverWindowsWrittenBeforeItsClockExistedWithoutWritingTheClosedOnesAgain() throws IOException {
        Path first = Files.createTempDirectory("category-windows-dsl-state");
        Path copy = Files.createTempDirectory("category-windows-upgraded");
        try (TopologyDriver topology = new TopologyDriver(AggregatesProperties.defaults(), CategoryAggregates::build,
            TopologyDriver.stateDir(first))) {
            // Stream time T0 + 75 s: the first window closed (written), the second open.
            for (long second : new long[] {5, 20, 65, 75}) {
                topology.send(Topics.INPUT_TOPIC, null, record((int) second, T0S + second, 1, "A"), T0);
            }
            assertEquals(1, topology.read(Topics.WINDOWED_AGGREGATES).size());
            // What the earlier build leaves: the windows, but neither the clock nor what was written.
            KeyValueStore<String, Long> clock = topology.driver.getKeyValueStore(AggregateStores.CATEGORY_WINDOWS_CLOCK);
            List.of(WindowClock.STREAM_TIME, WindowClock.ADVANCED_AT, WindowClock.CLOSED_UP_TO)
                .forEach(clock::delete);
            topology.driver.<String, Long>getKeyValueStore(AggregateStores.CATEGORY_WINDOWS_EMITTED).delete("A");
            // Any record makes the driver commit, which flushes the stores to disk; this one is only dropped.
            topology.send(Topics.INPUT_TOPIC, null, "not a record", T0);
            TopologyDriver.copyTree(first, copy);
        }

        try (TopologyDriver upgraded = new TopologyDriver(AggregatesProperties.defaults(), CategoryAggregates::build,
            TopologyDriver.stateDir(copy))) {
            assertEquals(T0 + 60 * SECOND, upgraded.driver.<String, Long>getKeyValueStore(
                AggregateStores.CATEGORY_WINDOWS_EMITTED).get("A"), "the written window counts as written");
            upgraded.driver.advanceWallClockTime(Duration.ofMinutes(5));
            List<KeyValue<String, String>> written = upgraded.read(Topics.WINDOWED_AGGREGATES);
            assertEquals(1, written.size(), "only the window that was open: " + written);
            assertEquals(T0S + 60, parse(written.get(0).value).get("window_start").getLongValue());
        }
    }

    @Test
    void publishesThePartitionsCategoriesOncePerCommitIntervalWhenTheyChanged() {
        try (TopologyDriver topology = new TopologyDriver(CategoryAggregates::build)) {
            topology.send(Topics.INPUT_TOPIC, null, record(1, T0S, 10, "B"), T0);
            topology.send(Topics.INPUT_TOPIC, null, record(2, T0S + 1, 5, "A"), T0);
            topology.send(Topics.INPUT_TOPIC, null, record(3, T0S + 2, 20, "B"), T0);
            assertEquals(List.of(), topology.readBytes(Topics.AGGREGATED_TOPIC_CATEGORIES), "nothing before the first punctuation");

            topology.driver.advanceWallClockTime(Duration.ofMinutes(1));
            List<KeyValue<String, byte[]>> first = topology.readBytes(Topics.AGGREGATED_TOPIC_CATEGORIES);
            assertEquals(1, first.size(), first::toString);
            assertEquals("0", first.get(0).key, "keyed by the partition");
            assertEquals(new CategoriesOfPartition(0, true, List.of(
                new CategoriesOfPartition.CategoryStats("A", new Stats(1, 5, 5, 5)),
                new CategoriesOfPartition.CategoryStats("B", new Stats(2, 30, 10, 20)))), categories(first.get(0).value),
                "every category, by category");

            topology.driver.advanceWallClockTime(Duration.ofMinutes(1));
            assertEquals(List.of(), topology.readBytes(Topics.AGGREGATED_TOPIC_CATEGORIES), "unchanged: not published again");

            topology.send(Topics.INPUT_TOPIC, null, record(4, T0S + 3, -1, "A"), T0);
            topology.send(Topics.INPUT_TOPIC, null, record(5, T0S + 4, 7, "C"), T0);
            topology.driver.advanceWallClockTime(Duration.ofMinutes(1));
            List<KeyValue<String, byte[]>> next = topology.readBytes(Topics.AGGREGATED_TOPIC_CATEGORIES);
            assertEquals(1, next.size(), "two changes, one list: " + next);
            assertEquals(List.of(
                new CategoriesOfPartition.CategoryStats("A", new Stats(2, 4, -1, 5)),
                new CategoriesOfPartition.CategoryStats("B", new Stats(2, 30, 10, 20)),
                new CategoriesOfPartition.CategoryStats("C", new Stats(1, 7, 7, 7))), categories(next.get(0).value).categories());
        }
    }

    @Test
    void aPartitionWithMoreCategoriesThanARecordHoldsPublishesThatItsListIsIncomplete() {
        try (TopologyDriver topology = new TopologyDriver(CategoryAggregates::build)) {
            String longName = "c".repeat(1000);
            int enough = CategoriesOfPartition.MAX_BYTES / 2000 + 1; // each name counts at least 2,000 bytes
            for (int i = 0; i < enough; i++) {
                topology.send(Topics.INPUT_TOPIC, null, record(i, T0S, 1, longName + i), T0);
            }
            topology.driver.advanceWallClockTime(Duration.ofMinutes(1));

            List<KeyValue<String, byte[]>> published = topology.readBytes(Topics.AGGREGATED_TOPIC_CATEGORIES);
            assertEquals(new CategoriesOfPartition(0, false, List.of()), categories(published.get(0).value));
            assertEquals(enough, topology.read(Topics.AGGREGATED_TOPIC).size(), "the aggregates themselves go on");
        }
    }

    @Test
    void aRestartedTaskRepublishesItsPartitionsCategoriesFromItsStore() throws IOException {
        Path first = Files.createTempDirectory("categories-state");
        Path copy = Files.createTempDirectory("categories-restarted");
        try (TopologyDriver topology = new TopologyDriver(AggregatesProperties.defaults(), CategoryAggregates::build,
            TopologyDriver.stateDir(first))) {
            topology.send(Topics.INPUT_TOPIC, null, record(1, T0S, 10, "A"), T0);
            topology.send(Topics.INPUT_TOPIC, null, record(2, T0S + 1, 4, "A"), T0);
            topology.driver.advanceWallClockTime(Duration.ofMinutes(1));
            assertEquals(1, topology.readBytes(Topics.AGGREGATED_TOPIC_CATEGORIES).size());
            TopologyDriver.copyTree(first, copy);
        }

        // The stats are in the store before the processor starts: it rebuilds its map from them.
        try (TopologyDriver restarted = new TopologyDriver(AggregatesProperties.defaults(), CategoryAggregates::build,
            TopologyDriver.stateDir(copy))) {
            restarted.driver.advanceWallClockTime(Duration.ofMinutes(1));
            List<KeyValue<String, byte[]>> republished = restarted.readBytes(Topics.AGGREGATED_TOPIC_CATEGORIES);
            assertEquals(1, republished.size(), republished::toString);
            assertEquals(List.of(new CategoriesOfPartition.CategoryStats("A", new Stats(2, 14, 4, 10))),
                categories(republished.get(0).value).categories());
        }
    }

    private static CategoriesOfPartition categories(byte[] published) {
        return CategoriesOfPartition.serde(TopologyDriver.JSON).deserializer()
            .deserialize(Topics.AGGREGATED_TOPIC_CATEGORIES, published);
    }

    /** What tutorial 002's producer sends: ten records a second apart (event and wall clock), then nothing. */
    private static void sendTutorialRecords(TopologyDriver topology) {
        for (int i = 0; i < 10; i++) {
            topology.send(Topics.INPUT_TOPIC, null, record(i, T0S + i, i * 10, i % 2 == 0 ? "A" : "B"), T0 + i * SECOND);
            topology.driver.advanceWallClockTime(Duration.ofSeconds(1));
        }
    }

    private static final List<KeyValue<String, String>> TUTORIAL_WINDOWS = List.of(
        KeyValue.pair("A", "{\"category\":\"A\",\"count\":5,\"sum\":200,\"average\":40,\"min\":0,\"max\":80,"
            + "\"timestamp\":" + (T0S + 8) + ",\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 60) + "}"),
        KeyValue.pair("B", "{\"category\":\"B\",\"count\":5,\"sum\":250,\"average\":50,\"min\":10,\"max\":90,"
            + "\"timestamp\":" + (T0S + 9) + ",\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 60) + "}"));

    private static double late(TopologyDriver topology) {
        Counter counter = topology.meters.find("pulse.late.records").tag("aggregate", Topics.WINDOWED_AGGREGATES).counter();
        return counter == null ? 0.0 : counter.count();
    }

    private static double streamsDroppedRecords(TopologyDriver topology) {
        return topology.driver.metrics().entrySet().stream()
            .filter(e -> e.getKey().name().equals("dropped-records-total"))
            .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
            .sum();
    }
}
