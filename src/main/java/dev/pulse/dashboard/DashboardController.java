package dev.pulse.dashboard;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.management.endpoint.health.HealthEndpoint;
import io.micronaut.management.health.indicator.HealthCheckType;
import io.micronaut.management.health.indicator.HealthResult;
import reactor.core.publisher.Mono;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.Map;

/**
 * The dashboard's read API ({@code GET /api/…}). Every answer is a JSON object with {@code as_of}
 * (epoch ms of the state shown) and {@code source} ({@code cache} or {@code state}); lists stand
 * under {@code items}, newest or largest first. A parameter out of range is a 400 with the reason.
 */
@Controller("/api")
@Produces(MediaType.APPLICATION_JSON)
@ExecuteOn(TaskExecutors.BLOCKING)
public class DashboardController {

    private static final int DEFAULT_LIMIT = 100;

    private final ListsService lists;
    private final StatsService stats;
    private final HealthEndpoint health;

    public DashboardController(ListsService lists, StatsService stats, HealthEndpoint health) {
        this.lists = lists;
        this.stats = stats;
        this.health = health;
    }

    /**
     * Readiness as a 200 answer (not in the contract): the page shows it without the 503 that
     * {@code /health} answers while DOWN, which a browser reports as an error.
     */
    @Get("/status")
    public Map<String, Object> status() {
        HealthResult result = Mono.from(health.getHealth(null, HealthCheckType.READINESS)).block();
        return Map.of("status", result == null ? "UNKNOWN" : result.getStatus().getName(),
            "as_of", System.currentTimeMillis(), "source", "state");
    }

    /** Records held per input topic (not in the contract: the web page's events-per-second source). */
    @Get("/stats")
    public Map<String, Object> stats() throws Exception {
        return stats.inputCounts();
    }

    @Get("/alerts")
    public String alerts(@Nullable @QueryValue String type, @Nullable @QueryValue String state,
                         @Nullable @QueryValue Integer limit) {
        return lists.alerts(type, state, BadParameterException.checkLimit("limit", limit, DEFAULT_LIMIT));
    }

    @Error(exception = BadParameterException.class, global = true)
    public HttpResponse<Map<String, String>> badParameter(BadParameterException e) {
        return HttpResponse.badRequest(Map.of("error", e.getMessage()));
    }
}
