package dev.pulse.dashboard;

import dev.pulse.alerts.temperature.AlertStateService;
import dev.pulse.testkit.InMemoryStateStore;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lists every instance of a fleet follows from the output topics must come out the same on each. */
class RecentEventsTest {

    private static final JsonMapper JSON = JsonMapper.createDefault();

    @Test
    void conversionsAreNewestFirstByRecordTimestampWhateverOrderThePartitionsWereReadIn() {
        RecentEvents oneInstance = recentEvents(3);
        RecentEvents another = recentEvents(3);
        // user: (timestamp, partition, offset)
        Object[][] records = {{"a", 1_000L, 0, 5L}, {"b", 4_000L, 1, 2L}, {"c", 3_000L, 2, 9L}, {"d", 2_000L, 0, 6L},
            {"e", 4_000L, 2, 10L}};
        for (Object[] r : records) {
            oneInstance.conversion(match((String) r[0]), new RecentEvents.Position((Long) r[1], (Integer) r[2], (Long) r[3]));
        }
        // the same records, the partitions interleaved the other way round
        for (int i = records.length - 1; i >= 0; i--) {
            Object[] r = records[i];
            another.conversion(match((String) r[0]), new RecentEvents.Position((Long) r[1], (Integer) r[2], (Long) r[3]));
        }
        // the newest three; a tie of timestamps is broken by partition, the same way everywhere
        assertEquals(List.of("e", "b", "c"), users(oneInstance.conversions(10)));
        assertEquals(users(oneInstance.conversions(10)), users(another.conversions(10)));
        assertEquals(List.of("e", "b"), users(another.conversions(2)));
    }

    private static RecentEvents recentEvents(int limit) {
        return new RecentEvents(new DashboardProperties(Duration.ofSeconds(30), limit, 1000, Duration.ofSeconds(1)), new AlertStateService(new InMemoryStateStore(), JSON));
    }

    private static JsonNode match(String user) {
        return JsonNode.createObjectNode(Map.of("user", JsonNode.createStringNode(user)));
    }

    private static List<String> users(List<JsonNode> items) {
        return items.stream().map(item -> item.get("user").coerceStringValue()).toList();
    }
}
