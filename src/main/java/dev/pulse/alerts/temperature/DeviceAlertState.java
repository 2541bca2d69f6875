package dev.pulse.alerts.temperature;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * A device's alert state as kept in Redis under {@code <prefix>:temperature:state:<device id>} ({@code pulse.redis.prefix}, default {@code pulse}) (JSON): {@code RAISED}
 * with the open excursion's alert id and start. A device in the {@code NORMAL} state has no key. The state changes
 * only when an alert is raised or cleared, so a reading that changes nothing writes nothing to Redis.
 *
 * @param state          {@code NORMAL} or {@code RAISED}
 * @param alertId        the open excursion's alert id, {@code null} when NORMAL
 * @param since          event time (epoch ms) the open excursion started, {@code null} when NORMAL
 */
@Serdeable
public record DeviceAlertState(
    @JsonProperty("state") String state,
    @JsonProperty("alert_id") @Nullable String alertId,
    @JsonProperty("since") @Nullable Long since) {

    public static final String NORMAL = "NORMAL";

    public boolean raised() {
        return TemperatureAlert.RAISED.equals(state);
    }
}
