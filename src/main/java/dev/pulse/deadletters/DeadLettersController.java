package dev.pulse.deadletters;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/dead-letters}: the dead letters this instance holds ({@link DeadLetterIndex}), newest first, with
 * counts per source topic, per reason and per minute over the filter. {@code POST /api/dead-letters/replay} (API key
 * required, as for every write): {@link DeadLetterReplayService}. Filters: {@code source_topic}, {@code error} (a
 * reason class), {@code from}/{@code to} (epoch seconds of the rejection, {@code [from, to)}). A filter out of range
 * is a 400 with the reason; a replay that another one took over is a 409, one that Kafka stopped a 503, both with the
 * counts of what was done.
 */
@Controller("/api/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
@ExecuteOn(TaskExecutors.BLOCKING)
public class DeadLettersController {

    private static final int DEFAULT_LIMIT = 100;

    private final DeadLetterIndex index;
    private final DeadLetterReplayService replay;

    public DeadLettersController(DeadLetterIndex index, DeadLetterReplayService replay) {
        this.index = index;
        this.replay = replay;
    }

    @Get
    public Map<String, Object> list(@Nullable @QueryValue("source_topic") String sourceTopic,
                                    @Nullable @QueryValue String error, @Nullable @QueryValue Long from,
                                    @Nullable @QueryValue Long to, @Nullable @QueryValue Integer limit) {
        int max = limit == null ? DEFAULT_LIMIT : limit;
        if (max < 1 || max > 1000) {
            throw new BadFilterException("'limit' must be between 1 and 1000, got " + max);
        }
        return index.query(DeadLetterFilter.of(sourceTopic, error, from, to), max, System.currentTimeMillis());
    }

    @Post("/replay")
    public ReplayResult replay(@Body @Nullable ReplayRequest request) {
        ReplayRequest asked = request == null ? new ReplayRequest(null, null, null, null, null, null) : request;
        return replay.replay(asked.filter(), Boolean.TRUE.equals(asked.dryRun()),
            Boolean.TRUE.equals(asked.includeReplays()));
    }

    @Error(exception = BadFilterException.class)
    public HttpResponse<Map<String, String>> badFilter(BadFilterException e) {
        return HttpResponse.badRequest(Map.of("error", e.getMessage()));
    }

    @Error(exception = ReplayStoppedException.class)
    public HttpResponse<Map<String, Object>> stopped(ReplayStoppedException e) {
        ReplayResult sofar = e.sofar();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.getMessage());
        body.put("replayed", sofar.replayed());
        body.put("skipped", sofar.skipped());
        body.put("failed", sofar.failed());
        body.put("failing_again", sofar.failingAgain());
        return HttpResponse.<Map<String, Object>>status(e.fenced() ? HttpStatus.CONFLICT : HttpStatus.SERVICE_UNAVAILABLE)
            .body(body);
    }
}
