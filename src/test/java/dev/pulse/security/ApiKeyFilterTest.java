package dev.pulse.security;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ApiKeyFilterTest {

    private static final String KEY = "s3cret";

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

    private static ApiKeyFilter filter(String key, boolean authDisabled, boolean protectReads) {
        return new ApiKeyFilter(new ApiProperties(key, "X-API-Key", authDisabled, protectReads));
    }

    private static void assertRefused(HttpResponse<?> response, String reason) {
        assertEquals(HttpStatus.UNAUTHORIZED, response.getStatus());
        String error = (String) ((Map<?, ?>) response.body()).get("error");
        assertEquals(true, error.contains(reason), error);
    }
}
