package dev.pulse.redis;

import dev.pulse.alerts.RedisStateStore;
import dev.pulse.dashboard.DashboardCache;
import dev.pulse.testkit.EmbeddedRedis;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.TestCertificates;
import dev.pulse.testkit.TestServers;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pulse against Redis servers that want a password (AUTH with {@code requirepass}, and an ACL user) and one that
 * speaks TLS only, configured the way ECS would: by environment variables alone. Both uses of Redis (the dashboard
 * cache and the alerts' state store) work with the right credentials and trust; a wrong password or an untrusted
 * server certificate leaves readiness DOWN on Redis.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisSecurityIntegrationTest {

    private static final String PASSWORD = "redis-pass-" + UUID.randomUUID();
    private static final String ACL_PASSWORD = "acl-pass-" + UUID.randomUUID();

    private final IsolatedTopics topics = new IsolatedTopics();
    private EmbeddedRedis passwordRedis;
    private EmbeddedRedis tlsRedis;
    private String tlsUnavailable;
    private TestCertificates certificates;

    @BeforeAll
    void startServers() throws Exception {
        // requirepass is the default user's password; 'pulse' is an ACL user of its own.
        passwordRedis = EmbeddedRedis.start(0, false, List.of("--requirepass", PASSWORD,
            "--user", "pulse", "on", ">" + ACL_PASSWORD, "~*", "&*", "+@all"));
        certificates = TestCertificates.create(Path.of("target", "redis-tls"));
        try {
            tlsRedis = EmbeddedRedis.start(0, true, List.of("--requirepass", PASSWORD,
                "--tls-cert-file", certificates.serverCertPem().toString(),
                "--tls-key-file", certificates.serverKeyPem().toString(),
                "--tls-ca-cert-file", certificates.caPem().toString(),
                "--tls-auth-clients", "no"));
        } catch (IOException e) {
            tlsUnavailable = e.getMessage();
        }
    }

    @AfterAll
    void stopServers() {
        if (passwordRedis != null) {
            passwordRedis.close();
        }
        if (tlsRedis != null) {
            tlsRedis.close();
        }
    }

    @Test
    void cachesAndKeepsAlertStateWithThePasswordInTheUri() throws Exception {
        String uri = "redis://:" + PASSWORD + "@127.0.0.1:" + passwordRedis.port();
        try (ApplicationContext context = start(Map.of("REDIS_URI", uri))) {
            assertRedisWorks(context, RedisURI.create(uri), passwordRedis);
        }
    }

    @Test
    void worksAsAnAclUser() throws Exception {
        String uri = "redis://pulse:" + ACL_PASSWORD + "@127.0.0.1:" + passwordRedis.port();
        try (ApplicationContext context = start(Map.of("REDIS_URI", uri))) {
            assertRedisWorks(context, RedisURI.create(uri), passwordRedis);
        }
    }

    @Test
    void aWrongPasswordIsRefusedAndReadinessShowsRedisDown() throws Exception {
        String uri = "redis://:wrong-" + PASSWORD.substring(0, 4) + "@127.0.0.1:" + passwordRedis.port();
        try (ApplicationContext context = start(Map.of("REDIS_URI", uri))) {
            assertRedisDown(context, "WRONGPASS");
        }
    }

    @Test
    void talksTlsWithTheTrustStoreFromTheEnvironment() throws Exception {
        assumeTls();
        String uri = "rediss://:" + PASSWORD + "@127.0.0.1:" + tlsRedis.port();
        try (ApplicationContext context = start(Map.of("REDIS_URI", uri,
            "PULSE_REDIS_TRUSTSTORE_LOCATION", certificates.truststore().toAbsolutePath().toString(),
            "PULSE_REDIS_TRUSTSTORE_PASSWORD", certificates.truststorePassword()))) {
            assertRedisWorks(context, RedisURI.create(uri), tlsRedis);
        }
    }

    @Test
    void talksTlsWithAPemCaFile() throws Exception {
        assumeTls();
        String uri = "rediss://:" + PASSWORD + "@localhost:" + tlsRedis.port();
        try (ApplicationContext context = start(Map.of("REDIS_URI", uri,
            "PULSE_REDIS_TRUSTSTORE_LOCATION", certificates.caPem().toAbsolutePath().toString()))) {
            assertRedisWorks(context, RedisURI.create(uri), tlsRedis);
        }
    }

    @Test
    void refusesATlsServerItHasNoTrustFor() throws Exception {
        assumeTls();
        String uri = "rediss://:" + PASSWORD + "@127.0.0.1:" + tlsRedis.port();
        try (ApplicationContext context = start(Map.of("REDIS_URI", uri))) {
            assertRedisDown(context, "PKIX");
        }
    }

    private void assumeTls() {
        Assumptions.assumeTrue(tlsRedis != null, () -> "redis-server (" + passwordRedis.binary()
            + ") could not serve TLS, so the rediss:// tests are skipped: " + tlsUnavailable);
    }

    /** The dashboard cache and the alert state store both write to and read from {@code server}. */
    private void assertRedisWorks(ApplicationContext context, RedisURI direct, EmbeddedRedis server) throws Exception {
        String group = "sec-" + UUID.randomUUID();
        DashboardCache cache = context.getBean(DashboardCache.class);
        String first = cache.read("security-test", group, "e", () -> Map.of("as_of", 1L, "answer", 42));
        assertTrue(first.contains("\"source\":\"state\""), first);
        // The first write can miss a connection still being made (the cache then skips Redis for a moment), so the
        // answer is computed again until one comes back from Redis.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String second = cache.read("security-test", group, "e", () -> Map.of("as_of", 1L, "answer", 42));
            assertTrue(second.contains("\"source\":\"cache\"") && second.contains("42"), "served from Redis: " + second);
        });

        RedisStateStore store = context.getBean(RedisStateStore.class);
        String key = "sec:state:" + UUID.randomUUID();
        Map<String, String> absent = new HashMap<>();
        absent.put(key, null);
        assertTrue(store.compareAndSet(absent, Map.of(key, "RAISED")));
        assertEquals(Map.of(key, "RAISED"), store.getAll(List.of(key)));
        assertFalse(store.compareAndSet(absent, Map.of(key, "CLEARED")), "compare-and-set sees the stored state");

        // The state is in that server, for a client that knows the password.
        RedisClient client = RedisClient.create(direct);
        if (direct.isSsl()) {
            client.setOptions(ClientOptions.builder().sslOptions(SslOptions.builder()
                .truststore(certificates.truststore().toFile(), certificates.truststorePassword()).build()).build());
        }
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertEquals("RAISED", connection.sync().get(context.getBean(RedisKeys.class).key(key)));
        } finally {
            client.shutdown();
        }
        Map<String, Object> health = redisHealth(context);
        assertEquals("UP", health.get("status"), () -> "Redis health: " + health);
    }

    private void assertRedisDown(ApplicationContext context, String why) throws Exception {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, Object> readiness = readiness(context);
            assertEquals("DOWN", readiness.get("status"), readiness::toString);
            Map<String, Object> redis = redisHealth(context);
            assertEquals("DOWN", redis.get("status"), redis::toString);
            assertFalse(readiness.toString().contains(PASSWORD), "no password in the health answer");
        });
        RedisConnectionException refused = assertThrows(RedisConnectionException.class,
            () -> context.getBean(RedisConnector.class).get());
        assertTrue(causes(refused).contains(why), () -> why + " in " + causes(refused));
        // Dashboard reads still answer, from state.
        String answer = context.getBean(DashboardCache.class).read("security-test", "down-" + UUID.randomUUID(), "e",
            () -> Map.of("as_of", 1L));
        assertTrue(answer.contains("\"source\":\"state\""), answer);
    }

    private static String causes(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            text.append(t).append(" <- ");
        }
        return text.toString();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> redisHealth(ApplicationContext context) throws IOException {
        Map<String, Object> details = (Map<String, Object>) readiness(context).get("details");
        return (Map<String, Object>) details.get("redis");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> readiness(ApplicationContext context) throws IOException {
        int port = context.getBean(EmbeddedServer.class).getPort();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/health/readiness")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
            return context.getBean(JsonMapper.class).readValue(response.body(), Map.class);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Pulse in this JVM with its HTTP server, Redis settings given as environment variables only. */
    private ApplicationContext start(Map<String, String> redisEnvironment) {
        Map<String, Object> env = new HashMap<>(redisEnvironment);
        env.put("KAFKA_BOOTSTRAP_SERVERS", TestServers.kafkaBootstrapServers());
        env.put("MICRONAUT_SERVER_PORT", "-1");
        Map<String, Object> isolation = new LinkedHashMap<>(topics.allTopicsProperties());
        ApplicationContext context = ApplicationContext.builder()
            .properties(isolation)
            .propertySources(PropertySource.of("env", env, PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE))
            .start();
        context.getBean(EmbeddedServer.class).start();
        return context;
    }
}
