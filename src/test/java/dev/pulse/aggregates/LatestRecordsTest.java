package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.click;
import static dev.pulse.aggregates.TopologyDriver.purchase;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The latest records {@link ClickEnrichment} keeps for the dashboard ({@link LatestRecords}): each user's latest
 * enriched clicks and each partition's latest click→purchase matches, newest first by record timestamp and then by
 * the order they went to the output topic, at most N, and the same after a restart on the task's state.
 */
class LatestRecordsTest {

    @Test
    void keepsEachUsersEnrichedClicksNewestFirstByEventTimeThenByTheirOrderOnTheTopic() {
        try (TopologyDriver topology = new TopologyDriver(ClickEnrichment::build)) {
            // Event times out of order, two of them equal: the later of those two on the topic comes first.
            long[] seconds = {T0S + 5, T0S + 1, T0S + 9, T0S + 5, T0S + 3};
            for (int i = 0; i < seconds.length; i++) {
                topology.send(Topics.USER_CLICKS, "alice", click("alice", "/p" + i, null, seconds[i]), T0);
                topology.send(Topics.USER_CLICKS, "bob", click("bob", "/b" + i, null, seconds[i]), T0);
            }

            List<TestRecord<String, String>> written = topology.readRecords(Topics.ENRICHED_CLICKS);
            List<String> aliceOnTheTopic = newestFirstAsOnTheTopic(written, "alice");
            assertEquals(List.of("/p2", "/p3", "/p0", "/p4", "/p1"), aliceOnTheTopic.stream().map(LatestRecordsTest::page).toList());
            assertEquals(aliceOnTheTopic, values(clicks(topology), "alice", 100), "the records as written, in that order");
            assertEquals(newestFirstAsOnTheTopic(written, "bob"), values(clicks(topology), "bob", 100));
            assertEquals(aliceOnTheTopic.subList(0, 2), values(clicks(topology), "alice", 2));
            assertEquals(List.of(), values(clicks(topology), "carol", 100), "a user without clicks");
        }
    }

    @Test
    void keepsTheNewestNClicksOfAUserAndDropsTheOldest() {
        AggregatesProperties three = AggregatesProperties.defaults().withRecent(3, 1000);
        try (TopologyDriver topology = new TopologyDriver(three, ClickEnrichment::build)) {
            for (int i = 0; i < 5; i++) {
                topology.send(Topics.USER_CLICKS, "alice", click("alice", "/p" + i, null, T0S + 10 + i), T0);
            }
            // Older than all three kept: in and out again at once.
            topology.send(Topics.USER_CLICKS, "alice", click("alice", "/late", null, T0S), T0);
            topology.send(Topics.USER_CLICKS, "bob", click("bob", "/b", null, T0S), T0);

            assertEquals(List.of("/p4", "/p3", "/p2"), pages(clicks(topology), "alice", 100));
            assertEquals(List.of("/b"), pages(clicks(topology), "bob", 100), "another user's clicks are their own");
            assertEquals(6, topology.readRecords(Topics.ENRICHED_CLICKS).stream()
                .filter(r -> r.key().equals("alice")).count(), "the topic still gets every click");
            long held;
            try (var all = clicks(topology).all()) {
                held = 0;
                while (all.hasNext()) {
                    all.next();
                    held++;
                }
            }
            assertEquals(3 + 1 + 2, held, "three and one records, and one count per user: the dropped ones are deleted");
        }
    }

    @Test
    void aRestartOnTheTasksStateKeepsTheListsAndGoesOnInTheSameOrder() throws IOException {
        Path first = Files.createTempDirectory("latest-records-state");
        Path copy = Files.createTempDirectory("latest-records-restarted");
        AggregatesProperties three = AggregatesProperties.defaults().withRecent(3, 1000);
        List<String> before;
        try (TopologyDriver topology = new TopologyDriver(three, ClickEnrichment::build, TopologyDriver.stateDir(first))) {
            for (int i = 0; i < 4; i++) {
                topology.send(Topics.USER_CLICKS, "alice", click("alice", "/p" + i, null, T0S + 10), T0);
            }
            before = pages(clicks(topology), "alice", 100);
            assertEquals(List.of("/p3", "/p2", "/p1"), before, "equal event times: the later on the topic first");
            // The driver deletes its state when it closes: keep what a stopped instance leaves on disk.
            TopologyDriver.copyTree(first, copy);
        }

        try (TopologyDriver restarted = new TopologyDriver(three, ClickEnrichment::build, TopologyDriver.stateDir(copy))) {
            assertEquals(before, pages(clicks(restarted), "alice", 100), "the restarted task has the list");
            // Same event time again: it comes after the others on the topic, so first, whatever the restart forgot.
            restarted.send(Topics.USER_CLICKS, "alice", click("alice", "/after", null, T0S + 10), T0);
            assertEquals(List.of("/after", "/p3", "/p2"), pages(clicks(restarted), "alice", 100));
        }
    }

    @Test
    void keepsEachPartitionsNewestMatchesByEventTimeUpToN() {
        AggregatesProperties two = AggregatesProperties.defaults().withRecent(100, 2);
        try (TopologyDriver topology = new TopologyDriver(two, ClickEnrichment::build)) {
            for (String user : List.of("alice", "bob", "carol")) {
                int offset = user.length();
                topology.send(Topics.USER_CLICKS, user, click(user, "/p", "product-" + user, T0S + offset), T0);
                topology.send(Topics.PURCHASES, user, purchase(user, "product-" + user, T0S + 60 + offset), T0);
            }
            List<TestRecord<String, String>> matches = topology.readRecords(Topics.CLICK_PURCHASES);
            assertEquals(3, matches.size());

            KeyValueStore<Bytes, byte[]> store = topology.driver.getKeyValueStore(AggregateStores.RECENT_CONVERSIONS);
            List<LatestRecords.Entry> kept = LatestRecords.newestOfEveryGroup(store, 1000);
            // carol (5) and alice (5) matched at the same event time, carol later: carol first; bob (3) dropped.
            assertEquals(List.of("carol", "alice"), kept.stream().map(e -> user(e.value())).toList());
            assertEquals(List.of("0", "0"), kept.stream().map(LatestRecords.Entry::group).toList(), "the task's partition");
            assertEquals((T0S + 65) * 1000, kept.get(0).timestamp(), "the match's record timestamp: the purchase's");
            assertEquals(kept.get(1).sequence() + 2, kept.get(0).sequence(), "numbered as they went to the topic");
            assertArrayEquals(matches.get(2).value().getBytes(StandardCharsets.UTF_8), kept.get(0).value());
            assertEquals(1, LatestRecords.newestOfEveryGroup(store, 1).size());
        }
    }

    @Test
    void theStoresChangelogReadRecordByRecordHoldsWhatTheStoreHolds() {
        AggregatesProperties two = AggregatesProperties.defaults().withRecent(100, 2);
        try (TopologyDriver topology = new TopologyDriver(two, ClickEnrichment::build)) {
            for (String user : List.of("alice", "bob", "carol", "dave")) {
                int offset = user.length();
                topology.send(Topics.USER_CLICKS, user, click(user, "/p", "product-" + user, T0S + offset), T0);
                topology.send(Topics.PURCHASES, user, purchase(user, "product-" + user, T0S + 60 + offset), T0);
            }
            List<TestRecord<byte[], byte[]>> changelog = topology.driver.createOutputTopic(
                "pulse-aggregates-test-" + AggregateStores.RECENT_CONVERSIONS + "-changelog",
                new ByteArrayDeserializer(), new ByteArrayDeserializer()).readRecordsToList();

            // What a reader of the changelog keeps: each record's latest entry; a tombstone takes it out.
            Map<Bytes, LatestRecords.Entry> mirror = new TreeMap<>();
            int tombstones = 0;
            int bookkeeping = 0;
            for (TestRecord<byte[], byte[]> record : changelog) {
                LatestRecords.Entry entry = LatestRecords.fromChangelog(AggregateStores.RECENT_CONVERSIONS,
                    record.key(), record.value());
                if (entry == null) {
                    bookkeeping++;
                } else if (entry.value() == null) {
                    tombstones++;
                    mirror.remove(Bytes.wrap(record.key()));
                } else {
                    mirror.put(Bytes.wrap(record.key()), entry);
                }
            }
            assertTrue(tombstones >= 2, "four matches, two kept: the changelog says which left");
            assertTrue(bookkeeping > 0, "the group's bookkeeping is in the changelog too, and is no record");

            KeyValueStore<Bytes, byte[]> store = topology.driver.getKeyValueStore(AggregateStores.RECENT_CONVERSIONS);
            List<LatestRecords.Entry> kept = LatestRecords.newestOfEveryGroup(store, 1000);
            assertEquals(2, kept.size());
            // In key order, which is the store's: newest first.
            assertEquals(describe(kept), describe(List.copyOf(mirror.values())));
        }
    }

    private static List<String> describe(List<LatestRecords.Entry> entries) {
        return entries.stream().map(e -> e.group() + "/" + e.timestamp() + "/" + e.sequence() + "/"
            + new String(e.value(), StandardCharsets.UTF_8)).toList();
    }

    private static KeyValueStore<Bytes, byte[]> clicks(TopologyDriver topology) {
        return topology.driver.getKeyValueStore(AggregateStores.RECENT_ENRICHED_CLICKS);
    }

    private static List<String> values(KeyValueStore<Bytes, byte[]> store, String user, int max) {
        return LatestRecords.newest(store, user, max).stream()
            .map(e -> new String(e.value(), StandardCharsets.UTF_8)).toList();
    }

    private static List<String> pages(KeyValueStore<Bytes, byte[]> store, String user, int max) {
        return values(store, user, max).stream().map(LatestRecordsTest::page).toList();
    }

    /** The user's records as a reader of the topic orders them: newest record timestamp first, then latest offset. */
    private static List<String> newestFirstAsOnTheTopic(List<TestRecord<String, String>> written, String user) {
        List<TestRecord<String, String>> mine = written.stream().filter(r -> r.key().equals(user)).toList();
        return mine.stream()
            .sorted(Comparator.<TestRecord<String, String>>comparingLong(TestRecord::timestamp)
                .thenComparingInt(mine::indexOf).reversed())
            .map(TestRecord::value)
            .toList();
    }

    private static String page(String click) {
        return TopologyDriver.parse(click).get("page").getStringValue();
    }

    private static String user(byte[] match) {
        return TopologyDriver.parse(new String(match, StandardCharsets.UTF_8)).get("user").getStringValue();
    }
}
