package dev.pulse.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * How Pulse talks to Redis ({@code pulse.redis.*}); the address is {@code redis.uri}.
 *
 * @param commandTimeout how long one command may take before it fails (and the caller falls back
 *                       or retries); while Redis is unreachable commands fail at once instead of queueing
 */
@ConfigurationProperties("pulse.redis")
public record RedisProperties(@Bindable(defaultValue = "2s") Duration commandTimeout) {
}
