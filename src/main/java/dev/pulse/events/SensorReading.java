package dev.pulse.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * A temperature reading from {@code real-time-data}, normalised: degrees Celsius, event time in
 * epoch milliseconds ({@code null} when the reading carried none: the Kafka record time applies).
 */
@Serdeable
public record SensorReading(
    @JsonProperty("device_id") String deviceId,
    @JsonProperty("temperature") double temperature,
    @JsonProperty("event_time_ms") @Nullable Long eventTimeMs) {
}
