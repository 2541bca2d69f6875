package dev.pulse.redis;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Pulse's Redis connection, opened on first use instead of at start-up, so that Pulse starts and answers (reads
 * from state, readiness DOWN on Redis) while Redis is unreachable or refuses its credentials, and connects as soon
 * as Redis lets it. Until then every use fails at once with a {@link RedisConnectionException}, which the callers
 * treat as Redis being away; a new attempt is made at most once a second, by one caller at a time. Once open,
 * Lettuce reconnects the connection by itself.
 */
@Singleton
public class RedisConnector implements Supplier<StatefulRedisConnection<String, String>> {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);
    private static final long RETRY_NANOS = Duration.ofSeconds(1).toNanos();

    private final Supplier<StatefulRedisConnection<String, String>> connect;
    private final ReentrantLock connecting = new ReentrantLock();
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile long nextAttempt = System.nanoTime();
    private volatile RuntimeException lastFailure;

    @Inject
    public RedisConnector(BeanProvider<StatefulRedisConnection<String, String>> connections) {
        this.connect = connections::get;
    }

    private RedisConnector(StatefulRedisConnection<String, String> connection) {
        this.connect = () -> connection;
        this.connection = connection;
    }

    /** A connector for a connection that is already open (tests, tools). */
    public static RedisConnector of(StatefulRedisConnection<String, String> connection) {
        return new RedisConnector(connection);
    }

    /** The open connection; throws {@link RedisConnectionException} while there is none. */
    @Override
    public StatefulRedisConnection<String, String> get() {
        StatefulRedisConnection<String, String> open = connection;
        if (open != null) {
            return open;
        }
        if (System.nanoTime() - nextAttempt < 0 || !connecting.tryLock()) {
            throw new RedisConnectionException("Redis is not connected yet", lastFailure);
        }
        try {
            if (connection == null) {
                connection = connect.get();
                if (lastFailure != null) {
                    LOG.info("Connected to Redis");
                }
            }
            return connection;
        } catch (RuntimeException e) {
            if (lastFailure == null) {
                LOG.warn("Could not connect to Redis, retrying on use: {}", causes(e));
            }
            lastFailure = e;
            nextAttempt = System.nanoTime() + RETRY_NANOS;
            throw new RedisConnectionException("Could not connect to Redis", e);
        } finally {
            connecting.unlock();
        }
    }

    /**
     * {@code uri} as it may be shown or logged: any user and password replaced by {@code ***}
     * ({@code rediss://***@host:6379}).
     */
    public static String withoutCredentials(String uri) {
        return uri == null ? null : uri.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^@/]*@", "$1***@");
    }

    /**
     * The messages of the cause chain from Lettuce's exception on (past the bean creation's wrapper); they say the
     * host and port, never the credentials.
     */
    private static String causes(Throwable error) {
        Throwable from = error;
        while (!(from instanceof RedisConnectionException) && from.getCause() != null) {
            from = from.getCause();
        }
        StringBuilder text = new StringBuilder();
        for (Throwable t = from; t != null; t = t.getCause()) {
            text.append(text.length() == 0 ? "" : " <- ").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return text.toString();
    }
}
