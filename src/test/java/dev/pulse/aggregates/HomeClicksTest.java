package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.click;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link HomeClicks}: {@code user-clicks} → {@code click-counts}, driven record by record.
 */
class HomeClicksTest {

    @Test
    void countsClicksOnTheHomePagePerUser() {
        try (TopologyDriver topology = new TopologyDriver(HomeClicks::build)) {
            topology.send(Topics.USER_CLICKS, "alice", click("alice", "/home", null, T0S), T0);
            topology.send(Topics.USER_CLICKS, "alice", click("alice", "/products", null, T0S + 1), T0);
            topology.send(Topics.USER_CLICKS, null, click("alice", "/home", null, T0S + 2), T0);
            topology.send(Topics.USER_CLICKS, "bob", click("bob", "/home", null, T0S + 3), T0);

            assertEquals(List.of(KeyValue.pair("alice", "1"), KeyValue.pair("alice", "2"), KeyValue.pair("bob", "1")),
                topology.read(Topics.CLICK_COUNTS));
        }
    }
}
