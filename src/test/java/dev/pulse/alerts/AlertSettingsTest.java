package dev.pulse.alerts;

import dev.pulse.alerts.fraud.FraudProperties;
import dev.pulse.alerts.temperature.TemperatureAlertProperties;
import dev.pulse.listeners.ListenerProperties;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The business settings bind from configuration, with the documented defaults. */
class AlertSettingsTest {

    private static final Map<String, Object> NO_KAFKA = Map.of("kafka.enabled", "false", "pulse.kafka.create-topics", "false");

    @Test
    void defaultsAreTheContractsDefaults() {
        try (ApplicationContext context = ApplicationContext.run(NO_KAFKA)) {
            TemperatureAlertProperties temperature = context.getBean(TemperatureAlertProperties.class);
            assertEquals(50.0, temperature.threshold());
            assertEquals(5.0, temperature.hysteresis());
            assertEquals(Map.of(), temperature.deviceThresholds());
            assertEquals(FraudProperties.defaults(), context.getBean(FraudProperties.class));
            ListenerProperties listeners = context.getBean(ListenerProperties.class);
            assertEquals(Duration.ofMillis(200), listeners.retryInitial());
            assertEquals("pulse", listeners.transactionalIdPrefix(), "the application's name");
            assertEquals(new AlertStateProperties(Duration.ofDays(30), Duration.ofSeconds(5)),
                context.getBean(AlertStateProperties.class));
        }
    }

    @Test
    void theListenersTransactionalIdsStartWithTheApplicationsNameUnlessSet() {
        Map<String, Object> properties = new java.util.HashMap<>(NO_KAFKA);
        properties.put("micronaut.application.name", "pulse-eu");
        try (ApplicationContext context = ApplicationContext.run(properties)) {
            assertEquals("pulse-eu", context.getBean(ListenerProperties.class).transactionalIdPrefix());
        }
    }

    @Test
    void everySettingCanBeChanged() {
        Map<String, Object> properties = new java.util.HashMap<>(NO_KAFKA);
        properties.putAll(Map.of(
            "pulse.alerts.temperature.threshold", "45.5",
            "pulse.alerts.temperature.hysteresis", "2",
            "pulse.alerts.temperature.device-thresholds.sensor_1", "60",
            "pulse.alerts.temperature.device-hysteresis.sensor_1", "1.5",
            "pulse.alerts.fraud.rules", "VELOCITY,LARGE_AMOUNT",
            "pulse.alerts.fraud.large-amount", "5000",
            "pulse.alerts.fraud.velocity-window", "2m",
            "pulse.alerts.fraud.travel-window", "30m",
            "pulse.listeners.transactional-id-prefix", "pulse-staging"));
        properties.putAll(Map.of("pulse.alerts.state-ttl", "2h", "pulse.alerts.redis-timeout", "250ms"));
        try (ApplicationContext context = ApplicationContext.run(properties)) {
            TemperatureAlertProperties temperature = context.getBean(TemperatureAlertProperties.class);
            assertEquals(45.5, temperature.threshold());
            assertEquals(2.0, temperature.hysteresis());
            assertEquals(Map.of("sensor_1", 60.0), temperature.deviceThresholds());
            assertEquals(Map.of("sensor_1", 1.5), temperature.deviceHysteresis());
            FraudProperties fraud = context.getBean(FraudProperties.class);
            assertEquals(Set.of("VELOCITY", "LARGE_AMOUNT"), fraud.rules());
            assertEquals(5000.0, fraud.largeAmount());
            assertEquals(Duration.ofMinutes(2), fraud.velocityWindow());
            assertEquals(Duration.ofMinutes(30), fraud.travelWindow());
            assertEquals(5, fraud.velocityCount());
            assertEquals("pulse-staging", context.getBean(ListenerProperties.class).transactionalIdPrefix());
            assertEquals(new AlertStateProperties(Duration.ofHours(2), Duration.ofMillis(250)),
                context.getBean(AlertStateProperties.class));
        }
    }
}
