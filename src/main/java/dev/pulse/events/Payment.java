package dev.pulse.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** A payment from {@code transactions}; {@code lat}/{@code lon} are optional. */
@Serdeable
public record Payment(
    @JsonProperty("transaction_id") String transactionId,
    @JsonProperty("card_id") String cardId,
    @JsonProperty("amount") double amount,
    @JsonProperty("currency") @Nullable String currency,
    @JsonProperty("merchant") @Nullable String merchant,
    @JsonProperty("country") @Nullable String country,
    @JsonProperty("lat") @Nullable Double lat,
    @JsonProperty("lon") @Nullable Double lon,
    @JsonProperty("event_time_ms") @Nullable Long eventTimeMs) {
}
