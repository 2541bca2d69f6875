package dev.pulse.events;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * How far event time may run ahead of this instance's clock ({@code pulse.time.*}).
 *
 * @param maxFuture an event time more than this ahead of the wall clock is invalid: the record is dead-lettered
 *                  and never moves stream time ({@code PULSE_TIME_MAX_FUTURE}, default 1 h). Producers' clocks
 *                  drift and cross time zones, so a little slack is normal; a clock or a unit that is badly off
 *                  is not.
 */
@ConfigurationProperties("pulse.time")
public record EventTimeProperties(@Bindable(defaultValue = "1h") Duration maxFuture) {

    public EventTimeProperties {
        if (maxFuture == null || maxFuture.isNegative()) {
            throw new IllegalArgumentException("pulse.time.max-future must be 0 or more, got " + maxFuture);
        }
    }
}
