package dev.pulse.alerts.temperature;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;

/** A {@code temperature-alerts} value: one per transition; RAISED and CLEARED of one excursion share the id. */
@Serdeable
public record TemperatureAlert(
    @JsonProperty("alert_id") String alertId,
    @JsonProperty("device_id") String deviceId,
    @JsonProperty("state") String state,
    @JsonProperty("temperature") double temperature,
    @JsonProperty("threshold") double threshold,
    @JsonProperty("timestamp") Number timestamp) {

    public static final String RAISED = "RAISED";
    public static final String CLEARED = "CLEARED";
}
