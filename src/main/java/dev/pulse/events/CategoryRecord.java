package dev.pulse.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** A generic record from {@code input-topic}: a numeric value in a category. */
@Serdeable
public record CategoryRecord(
    @JsonProperty("category") String category,
    @JsonProperty("value") double value,
    @JsonProperty("event_time_ms") @Nullable Long eventTimeMs) {
}
