package dev.pulse.alerts;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Where the alert listeners keep their per-key state ({@code pulse.alerts.*}).
 *
 * @param stateTtl     how long a key's state lives in Redis after its last write
 * @param redisTimeout how long one Redis call of the state store may take before the batch is retried
 */
@ConfigurationProperties("pulse.alerts")
public record AlertStateProperties(
    @Bindable(defaultValue = "30d") Duration stateTtl,
    @Bindable(defaultValue = "5s") Duration redisTimeout) {
}
