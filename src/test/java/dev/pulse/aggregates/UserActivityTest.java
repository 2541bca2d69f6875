package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.pulse.aggregates.TopologyDriver.MINUTE;
import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.userEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link UserActivity}: {@code user-events} → {@code event-counts}, {@code top-pages},
 * driven record by record with explicit event times.
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
}
