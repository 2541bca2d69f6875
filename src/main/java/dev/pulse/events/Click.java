package dev.pulse.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** A click from {@code user-clicks}. */
@Serdeable
public record Click(
    @JsonProperty("user") String user,
    @JsonProperty("page") String page,
    @JsonProperty("product") @Nullable String product,
    @JsonProperty("event_time_ms") @Nullable Long eventTimeMs) {
}
