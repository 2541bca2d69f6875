package dev.pulse.redis;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Where Pulse's keys live in Redis: every key Pulse writes is {@code <prefix>:<name>}, with the prefix from
 * {@code pulse.redis.prefix} ({@code PULSE_REDIS_PREFIX}, default {@code pulse}), so that two deployments (staging
 * and production, say) can share one Redis without reading each other's alert state or cached answers. The
 * callers name their keys without the prefix ({@code temperature:state:<device id>}, {@code dash:v:<group>});
 * the two classes that talk to Redis, {@code RedisStateStore} and {@code DashboardCache}, put it in front.
 */
@Singleton
public final class RedisKeys {

    public static final String DEFAULT_PREFIX = "pulse";

    private final String prefix;

    @Inject
    public RedisKeys(RedisProperties properties) {
        this(properties.prefix());
    }

    /** @param prefix without the separating colon (a trailing one is dropped) */
    public RedisKeys(String prefix) {
        String trimmed = prefix == null ? "" : prefix.strip();
        while (trimmed.endsWith(":")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("pulse.redis.prefix must not be empty: every Pulse key is prefixed, "
                + "so deployments sharing a Redis cannot collide");
        }
        this.prefix = trimmed;
    }

    /** @return the prefix, without the colon */
    public String prefix() {
        return prefix;
    }

    /** The Redis key of {@code name}. */
    public String key(String name) {
        return prefix + ":" + name;
    }

    /** The name of a Redis key made by {@link #key}. */
    public String name(String key) {
        return key.substring(prefix.length() + 1);
    }
}
