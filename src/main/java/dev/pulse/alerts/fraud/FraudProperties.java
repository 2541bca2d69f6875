package dev.pulse.alerts.fraud;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;
import java.util.Set;

/**
 * Fraud rule settings ({@code pulse.alerts.fraud.*}).
 *
 * @param rules                 the rules that run ({@code LARGE_AMOUNT}, {@code VELOCITY}, {@code AMOUNT_SPIKE},
 *                              {@code IMPOSSIBLE_TRAVEL})
 * @param largeAmount           LARGE_AMOUNT: amount strictly above this
 * @param velocityCount         VELOCITY: more than this many transactions of a card ...
 * @param velocityWindow        ... within this much event time
 * @param spikeFactor           AMOUNT_SPIKE: amount strictly above this × the card's running average ...
 * @param spikeMinTransactions  ... once the card has at least this many earlier transactions
 * @param travelWindow          IMPOSSIBLE_TRAVEL: two uses at most this far apart in event time ...
 * @param maxSpeedKmh           ... in two countries, or (both with lat/lon) farther apart than this speed allows
 */
@ConfigurationProperties("pulse.alerts.fraud")
public record FraudProperties(
    @Bindable(defaultValue = "LARGE_AMOUNT,VELOCITY,AMOUNT_SPIKE,IMPOSSIBLE_TRAVEL") Set<String> rules,
    @Bindable(defaultValue = "10000") double largeAmount,
    @Bindable(defaultValue = "5") int velocityCount,
    @Bindable(defaultValue = "60s") Duration velocityWindow,
    @Bindable(defaultValue = "5") double spikeFactor,
    @Bindable(defaultValue = "5") int spikeMinTransactions,
    @Bindable(defaultValue = "1h") Duration travelWindow,
    @Bindable(defaultValue = "900") double maxSpeedKmh) {

    public static FraudProperties defaults() {
        return new FraudProperties(Set.of(FraudAlert.LARGE_AMOUNT, FraudAlert.VELOCITY, FraudAlert.AMOUNT_SPIKE,
            FraudAlert.IMPOSSIBLE_TRAVEL), 10_000, 5, Duration.ofSeconds(60), 5, 5, Duration.ofHours(1), 900);
    }

    public boolean enabled(String rule) {
        return rules.contains(rule);
    }
}
