package dev.pulse.security;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerSignatureTest {

    private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void aSignatureHoldsForItsMethodPathAndQueryOnly() {
        PeerSignature peers = at(NOW, "secret", null);
        Map<String, String> headers = peers.headers("GET", "/api/words?top=5");
        assertEquals("true", headers.get(PeerSignature.FORWARDED));
        String timestamp = headers.get(PeerSignature.TIMESTAMP);
        String signature = headers.get(PeerSignature.SIGNATURE);
        assertTrue(peers.verifies("GET", "/api/words?top=5", timestamp, signature));
        assertFalse(peers.verifies("GET", "/api/words?top=6", timestamp, signature));
        assertFalse(peers.verifies("GET", "/api/words", timestamp, signature));
        assertFalse(peers.verifies("HEAD", "/api/words?top=5", timestamp, signature));
        assertFalse(peers.verifies("GET", "/api/words?top=5", Long.toString(NOW.toEpochMilli() + 1), signature),
            "the timestamp is signed too");
        assertFalse(peers.verifies("GET", "/api/words?top=5", timestamp, null));
        assertFalse(peers.verifies("GET", "/api/words?top=5", "yesterday", signature));
    }

    @Test
    void aSignatureIsValidOneMinuteEitherSideOfTheReceiversClock() {
        Map<String, String> headers = at(NOW, "secret", null).headers("GET", "/api/categories");
        String timestamp = headers.get(PeerSignature.TIMESTAMP);
        String signature = headers.get(PeerSignature.SIGNATURE);
        for (Duration skew : new Duration[] {Duration.ofSeconds(-60), Duration.ZERO, Duration.ofSeconds(60)}) {
            assertTrue(at(NOW.plus(skew), "secret", null).verifies("GET", "/api/categories", timestamp, signature),
                skew.toString());
        }
        assertFalse(at(NOW.plusSeconds(61), "secret", null).verifies("GET", "/api/categories", timestamp, signature));
        assertFalse(at(NOW.minusSeconds(61), "secret", null).verifies("GET", "/api/categories", timestamp, signature));
    }

    @Test
    void signsWithTheClusterSecretElseTheApiKeyElseTheDeploymentsSharedSettings() {
        assertEquals(PeerSignature.KeySource.CLUSTER_SECRET, at(NOW, "secret", "api-key").keySource());
        assertEquals(PeerSignature.KeySource.API_KEY, at(NOW, "", "api-key").keySource());
        assertEquals(PeerSignature.KeySource.DEPLOYMENT_SETTINGS, at(NOW, null, null).keySource());

        Map<String, String> byApiKey = at(NOW, null, "api-key").headers("GET", "/api/categories");
        assertTrue(at(NOW, " ", "api-key").verifies("GET", "/api/categories", byApiKey.get(PeerSignature.TIMESTAMP),
            byApiKey.get(PeerSignature.SIGNATURE)), "instances sharing only the API key trust each other");
        assertFalse(at(NOW, "secret", "api-key").verifies("GET", "/api/categories",
            byApiKey.get(PeerSignature.TIMESTAMP), byApiKey.get(PeerSignature.SIGNATURE)));

        Map<String, String> shared = at(NOW, null, null).headers("GET", "/api/categories");
        assertTrue(at(NOW, null, null).verifies("GET", "/api/categories", shared.get(PeerSignature.TIMESTAMP),
            shared.get(PeerSignature.SIGNATURE)), "without any secret, forwarding still works");
        assertFalse(new PeerSignature(null, null, "other-brokers\npulse-aggregates", Clock.fixed(NOW, ZoneOffset.UTC))
            .verifies("GET", "/api/categories", shared.get(PeerSignature.TIMESTAMP), shared.get(PeerSignature.SIGNATURE)),
            "another deployment's instances are not trusted");
    }

    private static PeerSignature at(Instant now, String secret, String apiKey) {
        return new PeerSignature(secret, apiKey, "localhost:9092\npulse-aggregates", Clock.fixed(now, ZoneOffset.UTC));
    }
}
