package dev.pulse.dashboard;

import dev.pulse.testkit.RealServers;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiDocumentTest implements RealServers {

    @Inject
    @Client("/")
    HttpClient http;

    @Test
    void servesTheOpenApiDocumentGeneratedFromTheControllers() {
        String document = http.toBlocking().retrieve("/openapi/pulse-1.yml");
        assertTrue(document.startsWith("openapi: 3"), document.substring(0, Math.min(200, document.length())));
        for (String path : new String[] {"/api/events/{stream}", "/api/alerts", "/api/conversions"}) {
            assertTrue(document.contains("  " + path + ":"), path + " documented");
        }
    }
}
