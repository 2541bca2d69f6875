package dev.pulse.alerts.fraud;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/**
 * What Pulse keeps of a card, in Redis under {@code <prefix>:fraud:state:<card id>} ({@code pulse.redis.prefix}, default {@code pulse}) (JSON, versioned by {@link dev.pulse.alerts.StateFormat}).
 *
 * @param count  transactions seen (AMOUNT_SPIKE's running average is {@code sum / count})
 * @param sum    their total amount
 * @param recent the transactions of the last velocity window, oldest first (VELOCITY; also duplicate detection)
 * @param last   the latest transaction (IMPOSSIBLE_TRAVEL)
 */
@Serdeable
public record CardState(
    @JsonProperty("count") long count,
    @JsonProperty("sum") double sum,
    @JsonProperty("recent") List<Seen> recent,
    @JsonProperty("last") @Nullable Seen last) {

    /** A transaction as remembered: id, event time (epoch ms), where. */
    @Serdeable
    public record Seen(
        @JsonProperty("id") String id,
        @JsonProperty("ts") long ts,
        @JsonProperty("country") @Nullable String country,
        @JsonProperty("lat") @Nullable Double lat,
        @JsonProperty("lon") @Nullable Double lon) {
    }
}
