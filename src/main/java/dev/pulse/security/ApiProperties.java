package dev.pulse.security;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Who may call the HTTP API ({@code pulse.api.*}).
 *
 * @param key           the API key writes must present ({@code PULSE_API_KEY}); unset means writes are refused
 * @param keyHeader     the header that carries it
 * @param authDisabled  accept writes without a key (only the local stack sets this)
 * @param protectReads  require the key for reads too
 */
@ConfigurationProperties("pulse.api")
public record ApiProperties(
    @Nullable String key,
    @Bindable(defaultValue = "X-API-Key") String keyHeader,
    @Bindable(defaultValue = "false") boolean authDisabled,
    @Bindable(defaultValue = "false") boolean protectReads) {
}
