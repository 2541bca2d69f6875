package dev.pulse.security;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ApiKeyFilterTest {

    private static final String KEY = "s3cret";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void letsReadsThroughWithoutAKeyUnlessReadsAreProtected() {
        assertNull(filter(KEY, false, false).checkKey(HttpRequest.GET("/api/words")));
        assertRefused(filter(KEY, false, true).checkKey(HttpRequest.GET("/api/words")), "missing API key");
        assertNull(filter(KEY, false, true).checkKey(HttpRequest.GET("/api/words").header("X-API-Key", KEY)));
    }

    @Test
    void refusesWritesWithoutTheRightKey() {
        ApiKeyFilter filter = filter(KEY, false, false);
        assertRefused(filter.checkKey(HttpRequest.POST("/api/events/words", "{}")), "missing API key");
        assertRefused(filter.checkKey(HttpRequest.POST("/api/events/words", "{}").header("X-API-Key", "nope")),
            "invalid API key");
        assertNull(filter.checkKey(HttpRequest.POST("/api/events/words", "{}").header("X-API-Key", KEY)));
    }

    @Test
    void refusesEveryWriteWhenNoKeyIsConfiguredUnlessAuthIsDisabled() {
        assertRefused(filter(null, false, false).checkKey(HttpRequest.POST("/api/events/words", "{}")
            .header("X-API-Key", "anything")), "no API key configured");
        assertNull(filter(null, true, false).checkKey(HttpRequest.POST("/api/events/words", "{}")));
    }

    @Test
    void letsAReadForwardedBySignedPeerThroughProtectedReadsWithoutTheClientsKey() {
        PeerSignature peers = new PeerSignature(null, KEY, "deployment", CLOCK);
        var forwarded = HttpRequest.GET("/api/words/apple?x=1");
        peers.headers("GET", "/api/words/apple?x=1").forEach(forwarded::header);
        assertNull(filter(KEY, false, true, peers).checkKey(forwarded));
    }

    @Test
    void refusesAForwardedMarkerWithoutAValidSignatureWhenReadsAreProtected() {
        PeerSignature peers = new PeerSignature("cluster-secret", KEY, "deployment", CLOCK);
        ApiKeyFilter filter = filter(KEY, false, true, peers);
        assertRefused(filter.checkKey(HttpRequest.GET("/api/words/apple").header(PeerSignature.FORWARDED, "true")),
            "missing API key");

        var otherPath = HttpRequest.GET("/api/words/pear");
        peers.headers("GET", "/api/words/apple").forEach(otherPath::header);
        assertRefused(filter.checkKey(otherPath), "missing API key");

        var otherSecret = HttpRequest.GET("/api/words/apple");
        new PeerSignature("another-secret", KEY, "deployment", CLOCK).headers("GET", "/api/words/apple")
            .forEach(otherSecret::header);
        assertRefused(filter.checkKey(otherSecret), "missing API key");
    }

    @Test
    void neverLetsAWriteThroughOnASignature() {
        PeerSignature peers = new PeerSignature(null, KEY, "deployment", CLOCK);
        var write = HttpRequest.POST("/api/events/words", "{}");
        peers.headers("POST", "/api/events/words").forEach(write::header);
        assertRefused(filter(KEY, false, false, peers).checkKey(write), "missing API key");
    }

    @Test
    void aSignatureFromSharedSettingsAloneNeverStandsInForTheApiKey() {
        PeerSignature peers = new PeerSignature(null, null, "deployment", CLOCK);
        var forwarded = HttpRequest.GET("/api/words/apple");
        peers.headers("GET", "/api/words/apple").forEach(forwarded::header);
        assertRefused(filter(null, false, true, peers).checkKey(forwarded), "no API key configured");
    }

    private static ApiKeyFilter filter(String key, boolean authDisabled, boolean protectReads) {
        return filter(key, authDisabled, protectReads, new PeerSignature(null, key, "deployment", CLOCK));
    }

    private static ApiKeyFilter filter(String key, boolean authDisabled, boolean protectReads, PeerSignature peers) {
        return new ApiKeyFilter(new ApiProperties(key, "X-API-Key", authDisabled, protectReads), peers);
    }

    private static void assertRefused(HttpResponse<?> response, String reason) {
        assertEquals(HttpStatus.UNAUTHORIZED, response.getStatus());
        String error = (String) ((Map<?, ?>) response.body()).get("error");
        assertEquals(true, error.contains(reason), error);
    }
}
