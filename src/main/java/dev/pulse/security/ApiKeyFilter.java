package dev.pulse.security;

import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.core.annotation.Nullable;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Guards {@code /api/**}: writes (and reads, when {@code pulse.api.protect-reads}) need the
 * configured API key in {@code X-API-Key}; otherwise 401 with the reason. The key is compared in
 * constant time and never logged. A read another instance forwards carries no client key; it passes
 * protected reads when it is signed with the cluster secret or the API key ({@link PeerSignature}).
 */
@ServerFilter("/api/**")
public class ApiKeyFilter {

    private final ApiProperties properties;
    private final PeerSignature peers;

    public ApiKeyFilter(ApiProperties properties, PeerSignature peers) {
        this.properties = properties;
        this.peers = peers;
    }

    @RequestFilter
    @Nullable
    public HttpResponse<?> checkKey(HttpRequest<?> request) {
        boolean read = request.getMethod() == HttpMethod.GET || request.getMethod() == HttpMethod.HEAD;
        if (properties.authDisabled() || (read && !properties.protectReads())) {
            return null;
        }
        if (read && peers.trustedInsteadOfApiKey(request)) {
            return null;
        }
        if (properties.key() == null || properties.key().isBlank()) {
            return unauthorized("this instance has no API key configured (PULSE_API_KEY), so it accepts no writes");
        }
        String presented = request.getHeaders().get(properties.keyHeader());
        if (presented == null) {
            return unauthorized("missing API key: send it in the " + properties.keyHeader() + " header");
        }
        boolean matches = MessageDigest.isEqual(
            presented.getBytes(StandardCharsets.UTF_8), properties.key().getBytes(StandardCharsets.UTF_8));
        return matches ? null : unauthorized("invalid API key in the " + properties.keyHeader() + " header");
    }

    private static HttpResponse<?> unauthorized(String reason) {
        return HttpResponse.status(HttpStatus.UNAUTHORIZED).body(Map.of("error", reason));
    }
}
