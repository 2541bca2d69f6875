package dev.pulse.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micronaut.configuration.lettuce.AbstractRedisConfiguration;
import io.micronaut.configuration.lettuce.ClientResourcesMutator;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Reconnects to Redis at most 2 s apart instead of Lettuce's 30 s: after an outage of a minute, caching and the
 * alert decisions that wait for Redis would otherwise resume up to half a minute after Redis is back.
 */
@Singleton
public class RedisReconnectDelay implements ClientResourcesMutator {

    static final Duration MAX_DELAY = Duration.ofSeconds(2);

    @Override
    public void mutate(ClientResources.Builder builder, AbstractRedisConfiguration configuration) {
        builder.reconnectDelay(Delay.exponential(Duration.ofMillis(100), MAX_DELAY, 2, TimeUnit.MILLISECONDS));
    }
}
