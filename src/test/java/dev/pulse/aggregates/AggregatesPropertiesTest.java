package dev.pulse.aggregates;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.exceptions.BeanInstantiationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AggregatesPropertiesTest {

    /** No broker: only configuration is under test. */
    private static final Map<String, Object> OFFLINE = Map.of("kafka.enabled", false, "pulse.kafka.create-topics", false);

    @Test
    void bindsTheDocumentedDefaults() {
        try (ApplicationContext context = ApplicationContext.run(OFFLINE)) {
            assertEquals(AggregatesProperties.defaults(), context.getBean(AggregatesProperties.class));
        }
    }

    @Test
    void takesEachSettingFromConfiguration() {
        Map<String, Object> settings = new java.util.HashMap<>(OFFLINE);
        settings.putAll(Map.of(
            "pulse.aggregates.grace", "30s",
            "pulse.aggregates.category-window", "2m",
            "pulse.aggregates.top-n", "3",
            "pulse.aggregates.device-advance", "30s",
            "pulse.aggregates.session-gap", "10m",
            "pulse.aggregates.join-window", "2h",
            "pulse.aggregates.home-page", "/",
            "pulse.aggregates.recent-clicks", "5",
            "pulse.aggregates.recent-conversions", "7"));
        try (ApplicationContext context = ApplicationContext.run(settings)) {
            AggregatesProperties properties = context.getBean(AggregatesProperties.class);
            assertEquals(Duration.ofSeconds(30), properties.grace());
            assertEquals(Duration.ofMinutes(2), properties.categoryWindow());
            assertEquals(3, properties.topN());
            assertEquals(Duration.ofSeconds(30), properties.deviceAdvance());
            assertEquals(Duration.ofMinutes(10), properties.sessionGap());
            assertEquals(Duration.ofHours(2), properties.joinWindow());
            assertEquals("/", properties.homePage());
            assertEquals(5, properties.recentClicks());
            assertEquals(7, properties.recentConversions());
        }
    }

    @Test
    void closesQuietPartitionsAfterTheGraceUnlessIdleCloseAfterIsSet() {
        Map<String, Object> settings = new java.util.HashMap<>(OFFLINE);
        settings.put("pulse.aggregates.grace", "30s");
        try (ApplicationContext context = ApplicationContext.run(settings)) {
            AggregatesProperties properties = context.getBean(AggregatesProperties.class);
            assertEquals(Duration.ofSeconds(30), properties.idleCloseAfter());
            assertEquals(Duration.ofSeconds(1), properties.idleCloseCheck());
        }
        settings.put("pulse.aggregates.idle-close-after", "2m");
        settings.put("pulse.aggregates.idle-close-check", "250ms");
        try (ApplicationContext context = ApplicationContext.run(settings)) {
            AggregatesProperties properties = context.getBean(AggregatesProperties.class);
            assertEquals(Duration.ofMinutes(2), properties.idleCloseAfter());
            assertEquals(Duration.ofMillis(250), properties.idleCloseCheck());
        }
    }

    @Test
    void refusesARetentionShorterThanAWindowAndItsGrace() {
        Map<String, Object> settings = new java.util.HashMap<>(OFFLINE);
        settings.put("pulse.aggregates.store-retention", "1m");
        try (ApplicationContext context = ApplicationContext.run(settings)) {
            BeanInstantiationException e = assertThrows(BeanInstantiationException.class,
                () -> context.getBean(AggregatesProperties.class));
            assertTrue(e.getMessage().contains("store-retention must cover the longest window plus grace"), e.getMessage());
        }
    }
}
