package dev.pulse.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** A purchase from {@code purchases}. */
@Serdeable
public record Purchase(
    @JsonProperty("user") String user,
    @JsonProperty("product") String product,
    @JsonProperty("amount") @Nullable Double amount,
    @JsonProperty("event_time_ms") @Nullable Long eventTimeMs) {
}
