package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import io.micronaut.context.env.DefaultEnvironment;
import io.micronaut.context.env.Environment;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.click;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ClickSessions}: {@code user-clicks} → {@code user-sessions}, with explicit event times; each case without
 * the record cache (every update on its own) and with the cache the application configures, whose flushes decide
 * which deletions of merged sessions Streams forwards.
 */
class ClickSessionsTest {

    /** {@code statestore.cache.max.bytes} of the application's stream, as application.yml sets it. */
    private static long productionCacheBytes() {
        try (Environment environment = new DefaultEnvironment(() -> List.of()).start()) {
            return environment.getRequiredProperty("kafka.streams.default.statestore.cache.max.bytes", Long.class);
        }
    }

    private static TopologyDriver driver(boolean cache) {
        Properties overrides = new Properties();
        if (cache) {
            long bytes = productionCacheBytes();
            assertTrue(bytes > 0, "the application configures a record cache");
            overrides.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, bytes);
        }
        return new TopologyDriver(AggregatesProperties.defaults(), ClickSessions::build, overrides);
    }

    @ParameterizedTest(name = "record cache {0}")
    @ValueSource(booleans = {false, true})
    void clicksSixMinutesApartAreTwoSessionsThatALateClickBetweenThemMergesNamingBoth(boolean cache) {
        try (TopologyDriver topology = driver(cache)) {
            // The record key is not the user (a producer that keys otherwise, or not at all): the value's user counts.
            topology.send(Topics.USER_CLICKS, null, click("u1", "/home", null, T0S), T0);
            topology.send(Topics.USER_CLICKS, "other", click("u1", "/a", null, T0S + 360), T0);
            // Late, 3 minutes from each: within the 5-minute gap of both sessions.
            topology.send(Topics.USER_CLICKS, "u1", click("u1", "/b", null, T0S + 180), T0);

            assertEquals(List.of(
                KeyValue.pair("u1", session("u1", T0S, T0S, 1)),
                KeyValue.pair("u1", session("u1", T0S + 360, T0S + 360, 1)),
                KeyValue.pair("u1", session("u1", T0S, T0S + 360, 3,
                    "[{\"session_start\":" + T0S + ",\"session_end\":" + T0S + "},"
                        + "{\"session_start\":" + (T0S + 360) + ",\"session_end\":" + (T0S + 360) + "}]"))),
                topology.read(Topics.USER_SESSIONS));
            assertEquals(List.of(KeyValue.pair(List.of(T0, T0 + 360_000L), 3L)), storedSessions(topology, "u1"),
                "the store the dashboard reads holds the merged session only");
        }
    }

    @ParameterizedTest(name = "record cache {0}")
    @ValueSource(booleans = {false, true})
    void aClickInsideASessionReplacesNothingAndAGrowingSessionNamesItsPreviousExtent(boolean cache) {
        try (TopologyDriver topology = driver(cache)) {
            topology.send(Topics.USER_CLICKS, "u2", click("u2", "/home", null, T0S), T0);
            topology.send(Topics.USER_CLICKS, "u2", click("u2", "/a", null, T0S + 120), T0);
            topology.send(Topics.USER_CLICKS, "u2", click("u2", "/b", null, T0S + 60), T0);
            // Another user's clicks in between are sessions of their own and absorb nothing of u2's.
            topology.send(Topics.USER_CLICKS, "u3", click("u3", "/home", null, T0S + 100), T0);

            assertEquals(List.of(
                KeyValue.pair("u2", session("u2", T0S, T0S, 1)),
                KeyValue.pair("u2", session("u2", T0S, T0S + 120, 2,
                    "[{\"session_start\":" + T0S + ",\"session_end\":" + T0S + "}]")),
                KeyValue.pair("u2", session("u2", T0S, T0S + 120, 3)),
                KeyValue.pair("u3", session("u3", T0S + 100, T0S + 100, 1))),
                topology.read(Topics.USER_SESSIONS));
        }
    }

    @ParameterizedTest(name = "record cache {0}")
    @ValueSource(booleans = {false, true})
    void aClickLaterThanTheGapPlusGraceOfItsSessionIsDropped(boolean cache) {
        try (TopologyDriver topology = driver(cache)) {
            topology.send(Topics.USER_CLICKS, "u4", click("u4", "/home", null, T0S), T0);
            topology.send(Topics.USER_CLICKS, "u4", click("u4", "/home", null, T0S + 3600), T0);
            // An hour behind stream time: its session closed long ago.
            topology.send(Topics.USER_CLICKS, "u4", click("u4", "/home", null, T0S + 60), T0);

            assertEquals(List.of(
                KeyValue.pair("u4", session("u4", T0S, T0S, 1)),
                KeyValue.pair("u4", session("u4", T0S + 3600, T0S + 3600, 1))),
                topology.read(Topics.USER_SESSIONS));
        }
    }

    private static List<KeyValue<List<Long>, Long>> storedSessions(TopologyDriver topology, String user) {
        SessionStore<String, Long> store = topology.driver.getSessionStore(AggregateStores.USER_SESSIONS);
        List<KeyValue<List<Long>, Long>> sessions = new ArrayList<>();
        try (KeyValueIterator<Windowed<String>, Long> it = store.fetch(user)) {
            it.forEachRemaining(kv -> sessions.add(KeyValue.pair(
                List.of(kv.key.window().start(), kv.key.window().end()), kv.value)));
        }
        return sessions;
    }

    private static String session(String user, long start, long end, long events) {
        return "{\"user\":\"" + user + "\",\"session_start\":" + start + ",\"session_end\":" + end + ",\"events\":" + events + "}";
    }

    private static String session(String user, long start, long end, long events, String mergedFrom) {
        return "{\"user\":\"" + user + "\",\"session_start\":" + start + ",\"session_end\":" + end + ",\"events\":" + events
            + ",\"merged_from\":" + mergedFrom + "}";
    }
}
