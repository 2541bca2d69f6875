package dev.pulse.local;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Demo traffic ({@code pulse.demo.*}): off unless the local stack runs or {@code PULSE_DEMO_ENABLED=true}.
 *
 * @param enabled produce demo events
 * @param tick    how often a tick of events (one per stream, a few more now and then) is produced
 */
@ConfigurationProperties("pulse.demo")
public record DemoProperties(
    @Bindable(defaultValue = "false") boolean enabled,
    @Bindable(defaultValue = "100ms") Duration tick) {
}
