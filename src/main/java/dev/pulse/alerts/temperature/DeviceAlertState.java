package dev.pulse.alerts.temperature;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * A device's alert state as kept in Redis under {@code <prefix>:temperature:state:<device id>} ({@code pulse.redis.prefix}, default {@code pulse}) (JSON, versioned by {@link dev.pulse.alerts.StateFormat}): {@code RAISED}
 * with the open excursion's alert id and start, or {@code NORMAL} with those of the device's last excursion (a
 * device that never had one has no key). The state changes only when an alert is raised or cleared, so a reading
 * that changes nothing writes nothing to Redis. A RAISED state is kept until the excursion clears, however long that
 * takes (no TTL), and lists its device in {@code <prefix>:temperature:open}; it carries what the RAISED alert said,
 * so the open alerts can be answered from it.
 *
 * @param state       {@code NORMAL} or {@code RAISED}
 * @param alertId     the open (or last) excursion's alert id
 * @param since       event time (epoch ms) the open (or last) excursion started
 * @param seq         how many of the device's excursions in a row started at {@code since}, this one included
 *                    ({@code null}: one); the second and later get {@code -<seq>} after their alert id, so each
 *                    excursion has an id of its own
 * @param temperature the reading that raised the open alert (°C); {@code null} when NORMAL, or when written by an
 *                    earlier build
 * @param threshold   the threshold in force at that reading (°C); {@code null} as {@code temperature}
 */
@Serdeable
public record DeviceAlertState(
    @JsonProperty("state") String state,
    @JsonProperty("alert_id") @Nullable String alertId,
    @JsonProperty("since") @Nullable Long since,
    @JsonProperty("seq") @Nullable Integer seq,
    @JsonProperty("temperature") @Nullable Double temperature,
    @JsonProperty("threshold") @Nullable Double threshold) {

    public static final String NORMAL = "NORMAL";

    public DeviceAlertState(String state, String alertId, Long since) {
        this(state, alertId, since, null, null, null);
    }

    public boolean raised() {
        return TemperatureAlert.RAISED.equals(state);
    }

    /** {@link #seq}, one when absent. */
    public int seqOrOne() {
        return seq == null ? 1 : seq;
    }
}
