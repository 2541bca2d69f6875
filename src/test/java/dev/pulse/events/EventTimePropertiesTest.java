package dev.pulse.events;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.exceptions.BeanInstantiationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventTimePropertiesTest {

    /** No broker: only configuration is under test. */
    private static final Map<String, Object> OFFLINE = Map.of("kafka.enabled", false, "pulse.kafka.create-topics", false);

    private static Map<String, Object> offlineWith(String key, Object value) {
        Map<String, Object> settings = new HashMap<>(OFFLINE);
        settings.put(key, value);
        return settings;
    }

    @Test
    void allowsAnHourAheadByDefault() {
        try (ApplicationContext context = ApplicationContext.run(OFFLINE)) {
            assertEquals(Duration.ofHours(1), context.getBean(EventTimeProperties.class).maxFuture());
            assertEquals(Duration.ofHours(1), context.getBean(EventDecoder.class).timeBounds().maxFuture());
        }
    }

    @Test
    void theDecodersTakeMaxFutureFromConfiguration() {
        try (ApplicationContext context = ApplicationContext.run(offlineWith("pulse.time.max-future", "3h"))) {
            EventDecoder decoder = context.getBean(EventDecoder.class);
            assertEquals(Duration.ofHours(3), decoder.timeBounds().maxFuture());
            long twoHoursAhead = (System.currentTimeMillis() + 2 * 3_600_000) / 1000;
            String reading = "{\"device_id\": \"s\", \"temperature\": 1, \"timestamp\": " + twoHoursAhead + "}";
            assertTrue(decoder.decodeSensor("s", decoder.parse(reading).value()).isValid(),
                "2 h ahead is within 3 h");
        }
    }

    @Test
    void refusesANegativeMaxFuture() {
        assertThrows(BeanInstantiationException.class, () -> {
            try (ApplicationContext context = ApplicationContext.run(offlineWith("pulse.time.max-future", "-1s"))) {
                context.getBean(EventTimeProperties.class);
            }
        });
    }
}
