package dev.pulse.aggregates;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * How the aggregates stream aborts the transactions its killed instances left open
 * ({@code pulse.aggregates.abandoned-transactions.*}, see {@link AbandonedTransactions}).
 *
 * @param enabled       whether each instance looks for and aborts them ({@code PULSE_STREAMS_ABORT_ABANDONED}); off,
 *                      the broker aborts them after the producers' {@code transaction.timeout.ms} plus up to its own
 *                      check interval (10 s by default), and {@code read_committed} readers of every partition they
 *                      wrote wait that long
 * @param checkInterval how often each instance looks, besides at every rebalance of the stream
 *                      ({@code PULSE_STREAMS_ABORT_ABANDONED_INTERVAL}); the default, 1 s, is the heartbeat interval:
 *                      a member the group dropped is noticed as soon as the survivors' heartbeats would, even while
 *                      their stream threads are too busy to rejoin (the rebalance, and its sweep, then come late)
 */
@ConfigurationProperties("pulse.aggregates.abandoned-transactions")
public record AbandonedTransactionsProperties(
    @Bindable(defaultValue = "true") boolean enabled,
    @Bindable(defaultValue = "1s") Duration checkInterval) {

    public AbandonedTransactionsProperties {
        if (checkInterval.toMillis() <= 0) {
            throw new IllegalArgumentException("pulse.aggregates.abandoned-transactions.check-interval must be positive");
        }
    }
}
