package dev.pulse.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * An event from {@code user-events}; {@code page} is read from {@code event_data.page} or, failing
 * that, from a top-level {@code page}.
 */
@Serdeable
public record UserEvent(
    @JsonProperty("user_id") String userId,
    @JsonProperty("event_type") String eventType,
    @JsonProperty("page") @Nullable String page,
    @JsonProperty("event_time_ms") @Nullable Long eventTimeMs) {
}
