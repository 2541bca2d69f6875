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
 *
 * <p>It also remembers whether Redis answered its users' last command ({@link #answered}, {@link #failed}), so that a
 * read that can do without Redis ({@link #skip}) does not wait for it: while Redis is away but the connection is not
 * yet seen closed (a Redis that hangs, a network that drops packets), every command would wait out its timeout,
 * and a dashboard read that another instance forwarded would wait as long again on top of the forwarder's wait.
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
    private volatile boolean away;
    private volatile long nextTry = System.nanoTime();

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
     * Whether Redis is away as far as this connector knows, without trying it (and without taking {@link #skip}'s
     * turn): no connection yet, the connection seen closed (Lettuce marks it so as soon as the socket drops, while it
     * reconnects), or the last command of a user failed.
     */
    public boolean away() {
        StatefulRedisConnection<String, String> open = connection;
        return away || open == null || !open.isOpen();
    }

    /**
     * Whether a caller that can do without Redis should not try it now: a command failed less than a second ago. After
     * that second one caller tries (the answer to it is {@code false}), and the others skip for another second.
     */
    public boolean skip() {
        if (!away) {
            return false;
        }
        long now = System.nanoTime();
        if (now - nextTry < 0) {
            return true;
        }
        nextTry = now + RETRY_NANOS;
        return false;
    }

    /** A user's command got its answer: Redis is there. */
    public void answered() {
        away = false;
    }

    /** A user's command failed or timed out: callers that can do without Redis skip it for a second. */
    public void failed() {
        nextTry = System.nanoTime() + RETRY_NANOS;
        away = true;
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
