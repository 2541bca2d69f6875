package dev.pulse.dashboard;

import dev.pulse.kafka.WholeTopicReadiness;
import io.micronaut.context.annotation.Requires;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;

/**
 * Readiness of the alert lists: DOWN until this instance has read the alert topics to the end they had when it
 * started ({@link AlertHistoryReader}); the lists answer 503 until then.
 */
@Singleton
@Readiness
@Requires(bean = AlertHistoryReader.class)
public class AlertListsReadinessIndicator extends WholeTopicReadiness {

    static final String NAME = "pulseAlertLists";

    public AlertListsReadinessIndicator(RecentAlerts alerts) {
        super(NAME, "alert_topics_read", alerts::isComplete);
    }
}
