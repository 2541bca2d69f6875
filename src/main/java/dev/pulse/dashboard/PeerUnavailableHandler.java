package dev.pulse.dashboard;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A read that needed an instance that could not answer: 503 with {@code Retry-After} and the reason. */
@Produces
@Singleton
@Requires(classes = {PeerUnavailableException.class, ExceptionHandler.class})
public class PeerUnavailableHandler implements ExceptionHandler<PeerUnavailableException, HttpResponse<?>> {

    private static final Logger LOG = LoggerFactory.getLogger(PeerUnavailableHandler.class);
    // While a peer is away every read that needs it fails the same way: one warning per interval says so.
    private static final long WARN_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    private volatile long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;

    @Override
    public HttpResponse<?> handle(HttpRequest request, PeerUnavailableException exception) {
        long now = System.nanoTime();
        if (now - lastWarning >= WARN_EVERY_NANOS) {
            lastWarning = now;
            LOG.warn("{} {}: 503, {}", request.getMethodName(), request.getPath(), exception.getMessage());
        } else {
            LOG.debug("{} {}: 503, {}", request.getMethodName(), request.getPath(), exception.getMessage());
        }
        return Unavailable.response(exception.getMessage());
    }
}
