package dev.pulse.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;

import java.io.File;

/**
 * Makes Redis failures quick to see: a bounded command timeout, and commands rejected at once
 * while the connection is down (Lettuce's default queues them for up to a minute). Reconnection
 * stays automatic, so caching resumes by itself when Redis is back. For {@code rediss://}, trusts the
 * CAs of {@code pulse.redis.truststore-location} when it is set.
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
            .sslOptions(sslOptions(properties))
            .build());
        return client;
    }

    static SslOptions sslOptions(RedisProperties properties) {
        String location = properties.truststoreLocation();
        if (location == null || location.isBlank()) {
            return SslOptions.create(); // the JVM's trusted CAs
        }
        File truststore = new File(location);
        if (!truststore.canRead()) {
            throw new ConfigurationException("pulse.redis.truststore-location: cannot read " + truststore.getAbsolutePath());
        }
        SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
        return (properties.truststoreIsPem()
            ? ssl.trustManager(truststore)
            : ssl.truststore(truststore, properties.truststorePassword() == null ? "" : properties.truststorePassword()))
            .build();
    }
}
