package dev.pulse.dashboard;

import dev.pulse.alerts.temperature.AlertStateService;
import dev.pulse.testkit.InMemoryStateStore;
import io.micronaut.health.HealthStatus;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The alert lists every instance of a fleet reads whole from the alert topics must come out the same on each, and
 * not before the instance has read them to their end.
 */
class RecentAlertsTest {

    private static final JsonMapper JSON = JsonMapper.createDefault();

    /** id, timestamp (epoch s), partition, offset. */
    private static final Object[][] ALERTS = {{"a", 1_000, 0, 5L}, {"b", 4_000, 1, 2L}, {"c", 3_000, 2, 9L},
        {"d", 2_000, 0, 6L}, {"e", 4_000, 2, 10L}};

    @Test
    void keepsTheNewestAlertsByTheirTimestampWhateverOrderThePartitionsWereReadInOrHowOftenARecordWas() {
        RecentAlerts oneInstance = recentAlerts(3);
        RecentAlerts another = recentAlerts(3);
        for (Object[] a : ALERTS) {
            oneInstance.fraudAlert(alert((String) a[0], (Integer) a[1]), position(a));
        }
        // the same records, the partitions interleaved the other way round, and read twice (a poll retried)
        for (int round = 0; round < 2; round++) {
            for (int i = ALERTS.length - 1; i >= 0; i--) {
                another.fraudAlert(alert((String) ALERTS[i][0], (Integer) ALERTS[i][1]), position(ALERTS[i]));
            }
        }
        oneInstance.complete();
        another.complete();
        // the newest three; a tie of timestamps is broken by partition, the same way everywhere
        assertEquals(List.of("e", "b", "c"), ids(oneInstance.alerts(false, true, 10)));
        assertEquals(ids(oneInstance.alerts(false, true, 10)), ids(another.alerts(false, true, 10)));
        assertEquals(List.of("e", "b"), ids(another.alerts(true, true, 2)));
        assertEquals(List.of(), another.alerts(true, false, 10), "no temperature alerts");
    }

    @Test
    void answersNotReadyAndIsNotReadyUntilTheTopicsWereReadToTheirEnd() {
        RecentAlerts alerts = recentAlerts(3);
        alerts.temperatureAlert("d-1", alert("t", 1_000), position(ALERTS[0]));
        StateNotReadyException e = assertThrows(StateNotReadyException.class, () -> alerts.alerts(true, true, 10));
        assertEquals("this instance is still reading temperature-alerts and fraud-alerts from their beginning, which "
            + "the alert lists are made of", e.getMessage());
        AlertListsReadinessIndicator readiness = new AlertListsReadinessIndicator(alerts);
        assertEquals(HealthStatus.DOWN, readiness.result().getStatus());

        alerts.complete();
        assertEquals(List.of("t"), ids(alerts.alerts(true, true, 10)));
        assertEquals(HealthStatus.UP, readiness.result().getStatus());
    }

    private static RecentAlerts recentAlerts(int limit) {
        return new RecentAlerts(new DashboardProperties(Duration.ofSeconds(30), limit, 1000, Duration.ofSeconds(1), 0),
            new AlertStateService(new InMemoryStateStore(), JSON));
    }

    private static RecentAlerts.Position position(Object[] alert) {
        return RecentAlerts.Position.of(alert((String) alert[0], (Integer) alert[1]), 0, (Integer) alert[2], (Long) alert[3]);
    }

    private static JsonNode alert(String id, int timestamp) {
        return JsonNode.createObjectNode(Map.of("alert_id", JsonNode.createStringNode(id),
            "timestamp", JsonNode.createNumberNode(timestamp)));
    }

    private static List<String> ids(List<JsonNode> items) {
        return items.stream().map(item -> item.get("alert_id").coerceStringValue()).toList();
    }
}
