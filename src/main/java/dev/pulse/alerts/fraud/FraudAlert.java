package dev.pulse.alerts.fraud;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Map;

/** A {@code fraud-alerts} value: one per suspicious transaction and rule; {@code alert_id = fraud-<rule>-<transaction id>}. */
@Serdeable
public record FraudAlert(
    @JsonProperty("alert_id") String alertId,
    @JsonProperty("card_id") String cardId,
    @JsonProperty("transaction_id") String transactionId,
    @JsonProperty("rule") String rule,
    @JsonProperty("reason") String reason,
    @JsonProperty("amount") double amount,
    @JsonProperty("timestamp") Number timestamp,
    @JsonProperty("evidence") Map<String, Object> evidence) {

    public static final String LARGE_AMOUNT = "LARGE_AMOUNT";
    public static final String VELOCITY = "VELOCITY";
    public static final String AMOUNT_SPIKE = "AMOUNT_SPIKE";
    public static final String IMPOSSIBLE_TRAVEL = "IMPOSSIBLE_TRAVEL";
}
