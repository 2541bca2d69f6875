package dev.pulse.redis;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * How Pulse talks to Redis ({@code pulse.redis.*}); the address and credentials are {@code redis.uri}
 * ({@code redis://:PASSWORD@host:6379}, {@code redis://USER:PASSWORD@host:6379} for an ACL user, {@code rediss://}
 * for TLS).
 *
 * @param commandTimeout     how long one command may take before it fails (and the caller falls back
 *                           or retries); while Redis is unreachable commands fail at once instead of queueing
 * @param truststoreLocation for {@code rediss://}: the CAs to trust instead of the JVM's, as a PKCS12 or JKS
 *                           trust store, or a PEM file of certificates ({@code .pem}, {@code .crt}, {@code .cer});
 *                           unset trusts the JVM's CAs (enough for ElastiCache)
 * @param truststorePassword the trust store's password (not needed for a PEM file)
 * @param prefix             the first part of every key Pulse writes ({@code <prefix>:…}, see {@link RedisKeys}),
 *                           so that deployments can share one Redis
 */
@ConfigurationProperties("pulse.redis")
public record RedisProperties(@Bindable(defaultValue = "2s") Duration commandTimeout,
                              @Nullable String truststoreLocation,
                              @Nullable String truststorePassword,
                              @Bindable(defaultValue = RedisKeys.DEFAULT_PREFIX) String prefix) {

    /** Whether {@link #truststoreLocation()} names a PEM file rather than a key store. */
    public boolean truststoreIsPem() {
        String location = truststoreLocation == null ? "" : truststoreLocation.toLowerCase(java.util.Locale.ROOT);
        return location.endsWith(".pem") || location.endsWith(".crt") || location.endsWith(".cer");
    }

    /** Without the password: this may be logged. */
    @Override
    public String toString() {
        return "RedisProperties[commandTimeout=" + commandTimeout + ", truststoreLocation=" + truststoreLocation
            + ", truststorePassword=" + (truststorePassword == null ? "unset" : "[hidden]") + ", prefix=" + prefix + "]";
    }
}
