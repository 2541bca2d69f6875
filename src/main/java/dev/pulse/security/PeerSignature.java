package dev.pulse.security;

import dev.pulse.cluster.ClusterProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.env.Environment;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import jakarta.inject.Inject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs the reads one instance forwards to another, and checks the signature of a read that claims to be forwarded.
 * A forwarded read carries {@value #FORWARDED}{@code : true}, {@value #TIMESTAMP} (epoch ms) and {@value #SIGNATURE}:
 * HMAC-SHA256 over {@code METHOD\nPATH?QUERY\nTIMESTAMP}, base64url without padding. A signature is valid for
 * {@link #MAX_AGE} either side of the receiver's clock; a replay within that time repeats a read, nothing more.
 *
 * <p>The key is {@code pulse.cluster.secret} ({@code PULSE_CLUSTER_SECRET}), else the API key
 * ({@code pulse.api.key}), which every instance of a deployment shares. With neither set, the instances sign with a
 * key derived from what they do share, the Kafka bootstrap servers and the Streams application id: forwarding still
 * works (and a forwarded read still never travels twice), but anyone who knows those two values can forge the marker
 * and have an instance answer from its own state only, so a warning is logged; such a signature never stands in for
 * the API key ({@link #trustedInsteadOfApiKey}). Made at start-up, so that warning comes with the start-up log.
 */
@Context
public class PeerSignature {

    /** Marks a request one instance sends another: answer from local state only. */
    public static final String FORWARDED = "X-Pulse-Forwarded";
    public static final String TIMESTAMP = "X-Pulse-Timestamp";
    public static final String SIGNATURE = "X-Pulse-Signature";
    /** Clocks of the instances of one deployment (NTP-synchronised on ECS) agree far better than this. */
    static final Duration MAX_AGE = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(PeerSignature.class);
    private static final String ALGORITHM = "HmacSHA256";

    /** Where the signing key came from. */
    public enum KeySource { CLUSTER_SECRET, API_KEY, DEPLOYMENT_SETTINGS }

    private final SecretKeySpec key;
    private final KeySource keySource;
    private final Clock clock;

    @Inject
    public PeerSignature(ClusterProperties cluster, ApiProperties api, Environment environment) {
        this(cluster.secret(), api.key(),
            environment.getProperty("kafka.bootstrap.servers", String.class).orElse("")
                + "\n" + environment.getProperty("kafka.streams.default.application.id", String.class).orElse(""),
            Clock.systemUTC());
    }

    /**
     * @param deployment what the instances share when no secret is set (bootstrap servers, application id)
     */
    PeerSignature(@Nullable String secret, @Nullable String apiKey, String deployment, Clock clock) {
        this.clock = clock;
        byte[] material;
        if (secret != null && !secret.isBlank()) {
            keySource = KeySource.CLUSTER_SECRET;
            material = secret.getBytes(StandardCharsets.UTF_8);
        } else if (apiKey != null && !apiKey.isBlank()) {
            keySource = KeySource.API_KEY;
            material = apiKey.getBytes(StandardCharsets.UTF_8);
        } else {
            keySource = KeySource.DEPLOYMENT_SETTINGS;
            material = sha256("pulse-forwarding\n" + deployment);
            LOG.warn("Neither PULSE_CLUSTER_SECRET nor PULSE_API_KEY is set: instances sign the reads they forward to "
                + "each other with a key derived from the Kafka bootstrap servers and the Streams application id, "
                + "which anyone who knows them can forge. Set PULSE_CLUSTER_SECRET where the HTTP port is reachable "
                + "by others.");
        }
        this.key = new SecretKeySpec(material, ALGORITHM);
    }

    public KeySource keySource() {
        return keySource;
    }

    /** The headers that mark {@code method pathAndQuery} as forwarded by an instance of this deployment. */
    public Map<String, String> headers(String method, String pathAndQuery) {
        String timestamp = Long.toString(clock.millis());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(FORWARDED, "true");
        headers.put(TIMESTAMP, timestamp);
        headers.put(SIGNATURE, sign(method, pathAndQuery, timestamp));
        return headers;
    }

    /** Whether {@code request} is marked as forwarded and carries a valid, current signature. */
    public boolean isSignedForward(HttpRequest<?> request) {
        if (!"true".equals(request.getHeaders().get(FORWARDED))) {
            return false;
        }
        return verifies(request.getMethodName(), pathAndQuery(request), request.getHeaders().get(TIMESTAMP),
            request.getHeaders().get(SIGNATURE));
    }

    /**
     * Whether a signed forward may pass where the API key is asked for (protected reads): only when the signing key
     * is a secret, the cluster secret or the API key itself.
     */
    public boolean trustedInsteadOfApiKey(HttpRequest<?> request) {
        return keySource != KeySource.DEPLOYMENT_SETTINGS && isSignedForward(request);
    }

    boolean verifies(String method, String pathAndQuery, @Nullable String timestamp, @Nullable String signature) {
        if (timestamp == null || signature == null) {
            return false;
        }
        long sent;
        try {
            sent = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return false;
        }
        if (Math.abs(clock.millis() - sent) > MAX_AGE.toMillis()) {
            return false;
        }
        return MessageDigest.isEqual(sign(method, pathAndQuery, timestamp).getBytes(StandardCharsets.US_ASCII),
            signature.getBytes(StandardCharsets.US_ASCII));
    }

    /** The raw path and query of {@code request}, as the sender signed them. */
    public static String pathAndQuery(HttpRequest<?> request) {
        String query = request.getUri().getRawQuery();
        return request.getUri().getRawPath() + (query == null ? "" : "?" + query);
    }

    private String sign(String method, String pathAndQuery, String timestamp) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            byte[] digest = mac.doFinal((method + "\n" + pathAndQuery + "\n" + timestamp).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
