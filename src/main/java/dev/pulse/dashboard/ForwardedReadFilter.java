package dev.pulse.dashboard;

import dev.pulse.security.PeerSignature;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what a read marked {@value StoreRouter#FORWARDED} is. Signed by an instance of this deployment
 * ({@link PeerSignature}), it is answered from this instance's state only, and only while that state is complete
 * (503 with {@code Retry-After} otherwise). Without a valid signature the marker is removed before the controllers
 * see it: a client cannot make an instance skip routing and answer with its part only, and its request is routed
 * like any other.
 */
@ServerFilter("/api/**")
public class ForwardedReadFilter {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardedReadFilter.class);

    private final PeerSignature signature;
    private final StoreRouter router;

    public ForwardedReadFilter(PeerSignature signature, StoreRouter router) {
        this.signature = signature;
        this.router = router;
    }

    @RequestFilter
    @Nullable
    public HttpResponse<?> check(MutableHttpRequest<?> request) {
        if (!request.getHeaders().contains(StoreRouter.FORWARDED)) {
            return null;
        }
        if (!signature.isSignedForward(request)) {
            LOG.debug("{} {}: {} without a valid signature, ignored", request.getMethodName(), request.getPath(),
                StoreRouter.FORWARDED);
            request.getHeaders().remove(StoreRouter.FORWARDED);
            return null;
        }
        if (!router.answersForwarded()) {
            return Unavailable.response("this instance's state cannot answer right now: its Streams application is "
                + "starting, rebalancing or restoring");
        }
        return null;
    }
}
