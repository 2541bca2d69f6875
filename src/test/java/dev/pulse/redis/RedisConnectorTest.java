package dev.pulse.redis;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.context.BeanProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisConnectorTest {

    @Test
    void showsAUriWithoutItsCredentials() {
        assertEquals("rediss://***@cache.example.com:6379", RedisConnector.withoutCredentials("rediss://:t0ken@cache.example.com:6379"));
        assertEquals("redis://***@127.0.0.1:6379/0", RedisConnector.withoutCredentials("redis://pulse:pa%40ss@127.0.0.1:6379/0"));
        assertEquals("redis://localhost:6379", RedisConnector.withoutCredentials("redis://localhost:6379"));
    }

    @Test
    void whileRedisRefusesItFailsAtOnceAndTriesAgainAtMostOnceASecond() {
        AtomicInteger attempts = new AtomicInteger();
        BeanProvider<StatefulRedisConnection<String, String>> refusing = () -> {
            attempts.incrementAndGet();
            throw new RedisConnectionException("WRONGPASS");
        };
        RedisConnector connector = new RedisConnector(refusing);
        RedisConnectionException first = assertThrows(RedisConnectionException.class, connector::get);
        assertTrue(first.getCause().getMessage().contains("WRONGPASS"));
        for (int i = 0; i < 5; i++) {
            assertThrows(RedisConnectionException.class, connector::get);
        }
        assertEquals(1, attempts.get(), "no new attempt within a second");
        // Asked again and again, it tries once more a second after its first attempt, not sooner.
        await().between(Duration.ofMillis(800), Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() -> {
            assertThrows(RedisConnectionException.class, connector::get);
            return attempts.get() > 1;
        });
        assertEquals(2, attempts.get());
    }

    @Test
    void afterAFailedCommandReadsSkipRedisForASecondThenOneOfThemTriesAgain() {
        RedisConnector connector = RedisConnector.of(null);
        assertFalse(connector.skip(), "Redis is tried while it answers");
        connector.failed();
        for (int i = 0; i < 5; i++) {
            assertTrue(connector.skip(), "no read waits on Redis right after a command failed");
        }
        // A second later one read tries, and the others still skip while it finds out.
        await().between(Duration.ofMillis(800), Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
            .until(() -> !connector.skip());
        assertTrue(connector.skip());
        connector.answered();
        assertFalse(connector.skip(), "Redis is tried again as soon as it answered");
    }
}
