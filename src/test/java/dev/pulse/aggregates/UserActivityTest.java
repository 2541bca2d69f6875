package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import io.micrometer.core.instrument.Counter;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.pulse.aggregates.TopologyDriver.MINUTE;
import static dev.pulse.aggregates.TopologyDriver.SECOND;
import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.userEvent;
import static dev.pulse.aggregates.UserActivity.PAGE_VIEW;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link UserActivity}: {@code user-events} → {@code event-counts}, {@code top-pages},
 * driven record by record with explicit event times, and the driver's wall clock moved by hand.
 */
class UserActivityTest {

    @Test
    void countsEventTypesPerFiveMinuteWindowKeyedByTypeAndWindowStartMillis() {
        try (TopologyDriver topology = new TopologyDriver(UserActivity::build)) {
            topology.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/home", "\"2024-01-01T00:01:00\""), T0 + 99 * MINUTE);
            topology.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/home", String.valueOf(T0S + 299)), T0);
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "click", "/home", "\"2024-01-01T00:04:00Z\""), T0);
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/home", String.valueOf(T0S + 300)), T0);
            // No timestamp in the event: the Kafka record time decides the window.
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/home", null), T0 + 10 * MINUTE + 1);

            assertEquals(List.of(
                KeyValue.pair("page_view@" + T0, "1"),
                KeyValue.pair("page_view@" + T0, "2"),
                KeyValue.pair("click@" + T0, "1"),
                KeyValue.pair("page_view@" + (T0 + 5 * MINUTE), "1"),
                KeyValue.pair("page_view@" + (T0 + 10 * MINUTE), "1")),
                topology.read(Topics.EVENT_COUNTS));
        }
    }

    @Test
    void listsTheTopPagesOfEachMinuteBreakingTiesByPageName() {
        try (TopologyDriver topology = new TopologyDriver(AggregatesProperties.defaults().withTopN(2), UserActivity::build)) {
            topology.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/c", String.valueOf(T0S + 1)), T0);
            topology.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/b", String.valueOf(T0S + 2)), T0);
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/a", String.valueOf(T0S + 3)), T0);
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "click", "/b", String.valueOf(T0S + 4)), T0);
            topology.send(Topics.USER_EVENTS, "3", userEvent(3, "page_view", "/c", String.valueOf(T0S + 5)), T0);
            topology.send(Topics.USER_EVENTS, "3", "{\"user_id\": 3, \"event_type\": \"page_view\", \"page\": \"/b\", "
                + "\"timestamp\": " + (T0S + 6) + "}", T0);
            topology.send(Topics.USER_EVENTS, "3", userEvent(3, "page_view", "/z", String.valueOf(T0S + 60)), T0);

            List<KeyValue<String, String>> top = topology.read(Topics.TOP_PAGES);
            String window = "\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 60);
            assertEquals(List.of(
                KeyValue.pair(String.valueOf(T0S), "{" + window + ",\"pages\":[{\"page\":\"/c\",\"views\":1}]}"),
                KeyValue.pair(String.valueOf(T0S), "{" + window + ",\"pages\":[{\"page\":\"/b\",\"views\":1},{\"page\":\"/c\",\"views\":1}]}"),
                KeyValue.pair(String.valueOf(T0S), "{" + window + ",\"pages\":[{\"page\":\"/a\",\"views\":1},{\"page\":\"/b\",\"views\":1}]}"),
                KeyValue.pair(String.valueOf(T0S), "{" + window + ",\"pages\":[{\"page\":\"/c\",\"views\":2},{\"page\":\"/a\",\"views\":1}]}"),
                KeyValue.pair(String.valueOf(T0S), "{" + window + ",\"pages\":[{\"page\":\"/b\",\"views\":2},{\"page\":\"/c\",\"views\":2}]}"),
                KeyValue.pair(String.valueOf(T0S + 60), "{\"window_start\":" + (T0S + 60) + ",\"window_end\":" + (T0S + 120)
                    + ",\"pages\":[{\"page\":\"/z\",\"views\":1}]}")),
                top);
        }
    }

    @Test
    void publishesThePartitionsNewestWindowWithItsTopPagesOncePerCommitIntervalWhenItChanged() {
        try (TopologyDriver topology = new TopologyDriver(AggregatesProperties.defaults().withTopN(1), UserActivity::build)) {
            for (String[] view : new String[][] {{"/a", "1"}, {"/a", "2"}, {"/b", "3"}, {"/z", "60"}, {"/y", "61"},
                {"/y", "62"}, {"/c", "30"}}) { // the last one is of the older window, within its grace
                topology.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", view[0], String.valueOf(T0S + Long.parseLong(view[1]))), T0);
            }
            assertEquals(List.of(), topology.readBytes(Topics.TOP_PAGES_LATEST), "nothing before the first punctuation");

            topology.commit();
            List<KeyValue<String, byte[]>> first = topology.readBytes(Topics.TOP_PAGES_LATEST);
            assertEquals(1, first.size(), first::toString);
            assertEquals("0", first.get(0).key, "keyed by the partition");
            assertEquals(new TopPagesOfPartition(0, T0 + MINUTE, List.of(new PageViews("/y", 2), new PageViews("/z", 1))),
                topPages(first.get(0).value), "the newest window, every page of it (not only the top N of top-pages)");

            topology.commit();
            assertEquals(List.of(), topology.readBytes(Topics.TOP_PAGES_LATEST), "unchanged: not published again");

            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/x", String.valueOf(T0S + 120)), T0);
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/w", String.valueOf(T0S + 121)), T0);
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/x", String.valueOf(T0S + 122)), T0);
            topology.commit();
            List<KeyValue<String, byte[]>> next = topology.readBytes(Topics.TOP_PAGES_LATEST);
            assertEquals(1, next.size(), "three changes, one list: " + next);
            assertEquals(new TopPagesOfPartition(0, T0 + 2 * MINUTE, List.of(new PageViews("/x", 2), new PageViews("/w", 1))),
                topPages(next.get(0).value));
        }
    }

    @Test
    void aRestartedTaskRepublishesItsPartitionsNewestWindowFromItsStore() throws IOException {
        Path first = Files.createTempDirectory("top-pages-state");
        Path copy = Files.createTempDirectory("top-pages-restarted");
        try (TopologyDriver topology = new TopologyDriver(AggregatesProperties.defaults(), UserActivity::build,
            TopologyDriver.stateDir(first))) {
            topology.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/a", String.valueOf(T0S + 1)), T0);
            topology.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/b", String.valueOf(T0S + 61)), T0);
            topology.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/c", String.valueOf(T0S + 62)), T0);
            topology.commit();
            assertEquals(1, topology.readBytes(Topics.TOP_PAGES_LATEST).size());
            TopologyDriver.copyTree(first, copy);
        }

        // The windows are in the store before the processor starts: it takes the newest from there.
        try (TopologyDriver restarted = new TopologyDriver(AggregatesProperties.defaults(), UserActivity::build,
            TopologyDriver.stateDir(copy))) {
            restarted.commit();
            List<KeyValue<String, byte[]>> republished = restarted.readBytes(Topics.TOP_PAGES_LATEST);
            assertEquals(1, republished.size(), republished::toString);
            assertEquals(new TopPagesOfPartition(0, T0 + MINUTE, List.of(new PageViews("/b", 1), new PageViews("/c", 1))),
                topPages(republished.get(0).value));
        }
    }

    private static TopPagesOfPartition topPages(byte[] published) {
        return TopPagesOfPartition.serde(TopologyDriver.JSON).deserializer().deserialize(Topics.TOP_PAGES_LATEST, published);
    }

    @Test
    void aQuietPartitionsEventCountWindowClosesOnTheWallClockAndALaterRecordForItChangesNothing() {
        try (TopologyDriver topology = new TopologyDriver(UserActivity::build)) {
            sendPageViews(topology);
            assertEquals(List.of(
                KeyValue.pair("page_view@" + T0, "1"),
                KeyValue.pair("page_view@" + T0, "2"),
                KeyValue.pair("page_view@" + T0, "3")), topology.read(Topics.EVENT_COUNTS), "every update, as before");

            // The window [T0, T0 + 5 min) closes at its end + 10 s grace on the wall clock, the partition being quiet.
            topology.driver.advanceWallClockTime(Duration.ofMinutes(5).plusSeconds(6));
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "click", "/a", String.valueOf(T0S + 1)), T0);
            assertEquals(List.of(KeyValue.pair("click@" + T0, "1")), topology.read(Topics.EVENT_COUNTS),
                "1 s before its end + grace on the wall clock: still counted");
            topology.driver.advanceWallClockTime(Duration.ofSeconds(1));
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "click", "/a", String.valueOf(T0S + 2)), T0);

            assertEquals(List.of(), topology.read(Topics.EVENT_COUNTS), "the closed window is not written again");
            assertEquals(1L, topology.driver.<String, Long>getWindowStore(AggregateStores.EVENT_COUNTS)
                .fetch("click", T0), "nor changed for the dashboard");
            assertEquals(1.0, late(topology, Topics.EVENT_COUNTS));
            assertEquals(1.0, streamsDroppedRecords(topology), "in Streams' dropped-records metric as well");

            // The next window is open: the partition goes on.
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "click", "/a", String.valueOf(T0S + 301)), T0);
            assertEquals(List.of(KeyValue.pair("click@" + (T0 + 5 * MINUTE), "1")), topology.read(Topics.EVENT_COUNTS));
        }
    }

    @Test
    void doesNotCloseAnEventCountWindowOnTheWallClockWhileStreamTimeKeepsMoving() {
        try (TopologyDriver topology = new TopologyDriver(UserActivity::build)) {
            // A record every 5 s of wall clock for 6 minutes, event time 1 s apart: never quiet for the grace.
            for (int i = 0; i < 72; i++) {
                topology.send(Topics.USER_EVENTS, "1", userEvent(1, "click", "/a", String.valueOf(T0S + i)), T0);
                topology.driver.advanceWallClockTime(Duration.ofSeconds(5));
            }
            // Stream time T0 + 71 s: well within the first window, though the wall clock is past its end + grace.
            topology.send(Topics.USER_EVENTS, "1", userEvent(1, "click", "/a", String.valueOf(T0S + 2)), T0);

            List<KeyValue<String, String>> counts = topology.read(Topics.EVENT_COUNTS);
            assertEquals(KeyValue.pair("click@" + T0, "73"), counts.get(counts.size() - 1));
            assertEquals(0.0, late(topology, Topics.EVENT_COUNTS));
        }
    }

    @Test
    void theTopPagesOfAWindowChangeNoMoreOnceItsPageViewsClosedOnTheWallClock() {
        try (TopologyDriver topology = new TopologyDriver(UserActivity::build)) {
            sendPageViews(topology);
            String window = "\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 60);
            String last = "{" + window + ",\"pages\":[{\"page\":\"/a\",\"views\":2},{\"page\":\"/b\",\"views\":1}]}";
            List<KeyValue<String, String>> top = topology.read(Topics.TOP_PAGES);
            assertEquals(KeyValue.pair(String.valueOf(T0S), last), top.get(top.size() - 1), "per update, as before");

            // The minute [T0, T0 + 60 s) closes at its end + 10 s grace on the wall clock.
            topology.driver.advanceWallClockTime(Duration.ofSeconds(71));
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/b", String.valueOf(T0S + 4)), T0);
            topology.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/b", String.valueOf(T0S + 5)), T0);

            assertEquals(List.of(), topology.read(Topics.TOP_PAGES), "/b does not overtake /a in a closed window");
            assertEquals(2.0, late(topology, Topics.TOP_PAGES));
            assertEquals(1L, topology.driver.<String, Long>getWindowStore(AggregateStores.PAGE_VIEWS).fetch("/b", T0));
        }
    }

    @Test
    void aRestartOnTheSameStateDoesNotReopenWindowsTheWallClockClosed() throws IOException {
        Path first = Files.createTempDirectory("user-activity-state");
        Path copy = Files.createTempDirectory("user-activity-restarted");
        try (TopologyDriver topology = new TopologyDriver(AggregatesProperties.defaults(), UserActivity::build,
            TopologyDriver.stateDir(first))) {
            sendPageViews(topology);
            topology.driver.advanceWallClockTime(Duration.ofMinutes(6));
            topology.read(Topics.EVENT_COUNTS);
            topology.read(Topics.TOP_PAGES);
            // Any record makes the driver commit, which flushes the stores to disk; this one is only dropped.
            topology.send(Topics.USER_EVENTS, "1", "not an event", T0);
            // The driver deletes its state when it closes: keep what a stopped instance leaves on disk.
            TopologyDriver.copyTree(first, copy);
        }

        try (TopologyDriver restarted = new TopologyDriver(AggregatesProperties.defaults(), UserActivity::build,
            TopologyDriver.stateDir(copy))) {
            assertEquals(3L, restarted.driver.<String, Long>getWindowStore(AggregateStores.EVENT_COUNTS)
                .fetch(PAGE_VIEW, T0), "the restarted task has its state");
            // Stream time stands at T0 + 3 s, so only the closes the wall clock made keep these out.
            restarted.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/b", String.valueOf(T0S + 4)), T0);

            assertEquals(List.of(), restarted.read(Topics.EVENT_COUNTS), "no count of a window closed before the restart");
            assertEquals(List.of(), restarted.read(Topics.TOP_PAGES), "no top pages of a window closed before the restart");
            assertEquals(1.0, late(restarted, Topics.EVENT_COUNTS));
            assertEquals(1.0, late(restarted, Topics.TOP_PAGES));
        }
    }

    /** Three page views of the first minute, a second apart on the event and the wall clock, then nothing. */
    private static void sendPageViews(TopologyDriver topology) {
        String[] pages = {"/a", "/b", "/a"};
        for (int i = 0; i < pages.length; i++) {
            topology.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", pages[i], String.valueOf(T0S + 1 + i)),
                T0 + (1 + i) * SECOND);
            topology.driver.advanceWallClockTime(Duration.ofSeconds(1));
        }
    }

    private static double late(TopologyDriver topology, String aggregate) {
        Counter counter = topology.meters.find("pulse.late.records").tag("aggregate", aggregate).counter();
        return counter == null ? 0.0 : counter.count();
    }

    private static double streamsDroppedRecords(TopologyDriver topology) {
        return topology.driver.metrics().entrySet().stream()
            .filter(e -> e.getKey().name().equals("dropped-records-total"))
            .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
            .sum();
    }
}
