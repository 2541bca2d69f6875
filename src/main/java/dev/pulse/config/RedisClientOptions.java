package dev.pulse.config;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TimeoutOptions;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;

/**
 * Makes Redis failures quick to see: a bounded command timeout, and commands rejected at once
 * while the connection is down (Lettuce's default queues them for up to a minute). Reconnection
 * stays automatic, so caching resumes by itself when Redis is back.
 */
@Singleton
public class RedisClientOptions implements BeanCreatedEventListener<RedisClient> {

    private final RedisProperties properties;

    public RedisClientOptions(RedisProperties properties) {
        this.properties = properties;
    }

    @Override
    public RedisClient onCreated(BeanCreatedEvent<RedisClient> event) {
        RedisClient client = event.getBean();
        client.setOptions(ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(properties.commandTimeout()))
            .build());
        return client;
    }
}
