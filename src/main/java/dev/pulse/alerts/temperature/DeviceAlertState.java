package dev.pulse.alerts.temperature;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * A device's alert state as kept in Redis under {@code pulse:temperature:state:<device id>} (JSON): {@code NORMAL}
 * or {@code RAISED} with the open excursion's alert id and start, plus the last reading.
 *
 * @param state          {@code NORMAL} or {@code RAISED}
 * @param alertId        the open excursion's alert id, {@code null} when NORMAL
 * @param since          event time (epoch ms) the open excursion started, {@code null} when NORMAL
 * @param temperature    the last reading (°C)
 * @param timestampMs    the last reading's event time (epoch ms)
 */
@Serdeable
public record DeviceAlertState(
    @JsonProperty("state") String state,
    @JsonProperty("alert_id") @Nullable String alertId,
    @JsonProperty("since") @Nullable Long since,
    @JsonProperty("temperature") double temperature,
    @JsonProperty("timestamp_ms") long timestampMs) {

    public static final String NORMAL = "NORMAL";

    public boolean raised() {
        return TemperatureAlert.RAISED.equals(state);
    }
}
