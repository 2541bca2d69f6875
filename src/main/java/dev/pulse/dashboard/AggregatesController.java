package dev.pulse.dashboard;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

import java.util.Map;

/**
 * The dashboard's aggregate reads ({@code GET /api/…}), each handed to the query class of its
 * aggregate: words, categories and their windows, event counts, top pages, a user's sessions and home
 * clicks, devices, enriched clicks and conversions. Any instance answers any key.
 */
@Controller("/api")
@Produces(MediaType.APPLICATION_JSON)
@ExecuteOn(TaskExecutors.BLOCKING)
public class AggregatesController {

    private static final int DEFAULT_TOP = 10;
    private static final int DEFAULT_LIMIT = 100;

    private final WordQueries words;
    private final CategoryQueries categories;
    private final UserActivityQueries userActivity;
    private final DeviceQueries devices;
    private final ClickQueries clicks;
    private final HomeClickQueries homeClicks;

    public AggregatesController(WordQueries words, CategoryQueries categories, UserActivityQueries userActivity,
                                DeviceQueries devices, ClickQueries clicks, HomeClickQueries homeClicks) {
        this.words = words;
        this.categories = categories;
        this.userActivity = userActivity;
        this.devices = devices;
        this.clicks = clicks;
        this.homeClicks = homeClicks;
    }

    @Get("/words/{word}")
    public String word(@PathVariable String word, HttpRequest<?> request,
                       @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return words.word(word.toLowerCase(java.util.Locale.ROOT), pathOf(request), StoreRouter.isForwarded(forwarded));
    }

    @Get("/words")
    public String topWords(@Nullable @QueryValue Integer top, HttpRequest<?> request,
                           @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return words.topWords(BadParameterException.checkLimit("top", top, DEFAULT_TOP), pathOf(request),
            StoreRouter.isForwarded(forwarded));
    }

    @Get("/categories")
    public String categories(HttpRequest<?> request, @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return categories.categories(pathOf(request), StoreRouter.isForwarded(forwarded));
    }

    @Get("/categories/{category}/windows")
    public String categoryWindows(@PathVariable String category, @Nullable @QueryValue Long from,
                                  @Nullable @QueryValue Long to, HttpRequest<?> request,
                                  @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return categories.categoryWindows(category, BadParameterException.checkTime("from", from, 0),
            BadParameterException.checkTime("to", to, BadParameterException.MAX_EPOCH_SECONDS),
            pathOf(request), StoreRouter.isForwarded(forwarded));
    }

    @Get("/event-counts")
    public String eventCounts(@Nullable @QueryValue Long from, @Nullable @QueryValue Long to, HttpRequest<?> request,
                              @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return userActivity.eventCounts(BadParameterException.checkTime("from", from, 0),
            BadParameterException.checkTime("to", to, BadParameterException.MAX_EPOCH_SECONDS),
            pathOf(request), StoreRouter.isForwarded(forwarded));
    }

    @Get("/pages/top")
    public String topPages(@Nullable @QueryValue Integer n, HttpRequest<?> request,
                           @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return userActivity.topPages(BadParameterException.checkLimit("n", n, DEFAULT_TOP), pathOf(request),
            StoreRouter.isForwarded(forwarded));
    }

    @Get("/users/{user}/home-clicks")
    public String homeClicks(@PathVariable String user, HttpRequest<?> request,
                             @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return homeClicks.homeClicks(user, pathOf(request), StoreRouter.isForwarded(forwarded));
    }

    @Get("/users/{user}/sessions")
    public String sessions(@PathVariable String user, HttpRequest<?> request,
                           @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return userActivity.sessions(user, pathOf(request), StoreRouter.isForwarded(forwarded));
    }

    @Get("/devices")
    public String devices(HttpRequest<?> request, @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return devices.devices(pathOf(request), StoreRouter.isForwarded(forwarded));
    }

    @Get("/devices/{deviceId}")
    public String device(@PathVariable String deviceId, HttpRequest<?> request,
                         @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return devices.device(deviceId, pathOf(request), StoreRouter.isForwarded(forwarded));
    }

    @Get("/users/{user}/clicks/enriched")
    public String enrichedClicks(@PathVariable String user, @Nullable @QueryValue Integer limit, HttpRequest<?> request,
                                 @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return clicks.enrichedClicks(user, BadParameterException.checkLimit("limit", limit, DEFAULT_LIMIT),
            pathOf(request), StoreRouter.isForwarded(forwarded));
    }

    @Get("/conversions")
    public String conversions(@Nullable @QueryValue Integer limit, HttpRequest<?> request,
                              @Nullable @Header(StoreRouter.FORWARDED) String forwarded) {
        return clicks.conversions(BadParameterException.checkLimit("limit", limit, DEFAULT_LIMIT), pathOf(request),
            StoreRouter.isForwarded(forwarded));
    }

    @Error(exception = StateNotReadyException.class, global = true)
    public HttpResponse<Map<String, String>> notReady(StateNotReadyException e) {
        return Unavailable.response(e.getMessage());
    }

    /** A store that stops being queryable mid-read (a rebalance began): the same 503. */
    @Error(exception = InvalidStateStoreException.class, global = true)
    public HttpResponse<Map<String, String>> storeMoved(InvalidStateStoreException e) {
        return notReady(new StateNotReadyException(e.getMessage()));
    }

    private static String pathOf(HttpRequest<?> request) {
        return request.getUri().getRawPath() + (request.getUri().getRawQuery() == null ? "" : "?" + request.getUri().getRawQuery());
    }
}
