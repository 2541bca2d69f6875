package dev.pulse.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * A per-device override from {@code device-thresholds}; an absent number keeps the global default.
 */
@Serdeable
public record DeviceThreshold(
    @JsonProperty("threshold") @Nullable Double threshold,
    @JsonProperty("hysteresis") @Nullable Double hysteresis) {
}
