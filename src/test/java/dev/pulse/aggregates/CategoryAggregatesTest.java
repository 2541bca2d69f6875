package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.record;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link CategoryAggregates}: {@code input-topic} → {@code aggregated-topic}, {@code windowed-aggregates},
 * driven record by record with explicit event times.
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

            assertEquals(List.of(
                KeyValue.pair("A", "{\"category\":\"A\",\"count\":3,\"sum\":60,\"average\":20,\"min\":10,\"max\":30,"
                    + "\"timestamp\":" + (T0S + 59.999) + ",\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 60) + "}"),
                KeyValue.pair("A", "{\"category\":\"A\",\"count\":3,\"sum\":7,\"average\":2.3333333333333335,\"min\":1,\"max\":4,"
                    + "\"timestamp\":" + (T0S + 70) + ",\"window_start\":" + (T0S + 60) + ",\"window_end\":" + (T0S + 120) + "}")),
                topology.read(Topics.WINDOWED_AGGREGATES));
        }
    }
}
