package dev.pulse.events;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Limits on the input records Pulse accepts ({@code pulse.events.*}).
 *
 * @param maxValueBytes the largest record value, in bytes, that is decoded; a larger one is dead-lettered with
 *                      reason {@code too_large}. The default, 1 MiB, is above the broker's default message limit, so
 *                      it rejects nothing a default broker delivers; lower it to keep outsized records out of state,
 *                      raise it with the broker's {@code message.max.bytes}
 */
@ConfigurationProperties("pulse.events")
public record EventProperties(@Bindable(defaultValue = "1048576") int maxValueBytes) {

    public static final int DEFAULT_MAX_VALUE_BYTES = 1_048_576;

    public EventProperties {
        if (maxValueBytes < 1) {
            throw new IllegalArgumentException("pulse.events.max-value-bytes must be at least 1, got " + maxValueBytes);
        }
    }
}
