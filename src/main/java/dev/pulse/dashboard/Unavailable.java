package dev.pulse.dashboard;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;

import java.util.Map;

/**
 * The 503 of a read whose state cannot answer right now (starting, rebalancing, restoring, or a peer that holds part
 * of it is away): {@code {"error": reason}} and {@code Retry-After}.
 */
public final class Unavailable {

    /**
     * Seconds a client should wait: a rebalance settles and a replaced instance's partitions move within seconds;
     * longer outages give the same answer again.
     */
    public static final int RETRY_AFTER_SECONDS = 5;

    private Unavailable() {
    }

    public static MutableHttpResponse<Map<String, String>> response(String reason) {
        return HttpResponse.<Map<String, String>>status(HttpStatus.SERVICE_UNAVAILABLE)
            .header(HttpHeaders.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS))
            .body(Map.of("error", reason));
    }
}
