package dev.pulse.redis;

import dev.pulse.alerts.StateStore;
import dev.pulse.dashboard.DashboardCache;
import dev.pulse.testkit.RealServers;
import dev.pulse.testkit.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two deployments on one Redis, the first with the default prefix and the second with its own
 * ({@code pulse.redis.prefix}): neither reads the other's alert state or cached answers, and every key each writes
 * starts with its prefix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisPrefixIntegrationTest {

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String staging = "staging-" + id;
    private ApplicationContext production;
    private ApplicationContext stagingContext;
    private RedisClient raw;
    private StatefulRedisConnection<String, String> rawConnection;

    @BeforeAll
    void startTwoDeployments() {
        production = start(null);
        stagingContext = start(staging);
        raw = RedisClient.create(TestServers.redis().uri());
        rawConnection = raw.connect();
        // Each deployment connects to Redis in the background after it starts ("not connected yet" until then).
        for (ApplicationContext deployment : List.of(production, stagingContext)) {
            org.awaitility.Awaitility.await("Redis connected").atMost(java.time.Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> deployment.getBean(StateStore.class).getAll(List.of("probe:" + id)) != null);
        }
    }

    @AfterAll
    void stop() {
        if (rawConnection != null) {
            rawConnection.close();
            raw.shutdown();
        }
        if (stagingContext != null) {
            stagingContext.close();
        }
        if (production != null) {
            production.close();
        }
    }

    @Test
    void deploymentsWithDifferentPrefixesDoNotSeeEachOthersKeys() throws IOException {
        assertEquals(RedisKeys.DEFAULT_PREFIX, production.getBean(RedisKeys.class).prefix());
        assertEquals(staging, stagingContext.getBean(RedisKeys.class).prefix());

        // Alert state and progress go through the state store.
        String device = "temperature:state:sensor-" + id;
        Map<String, String> absent = new HashMap<>();
        absent.put(device, null);
        assertTrue(production.getBean(StateStore.class).compareAndSet(absent, Map.of(device, "production")));
        assertTrue(stagingContext.getBean(StateStore.class).compareAndSet(absent, Map.of(device, "staging")),
            "staging does not see production's state");
        assertEquals("production", production.getBean(StateStore.class).getAll(List.of(device)).get(device));
        assertEquals("staging", stagingContext.getBean(StateStore.class).getAll(List.of(device)).get(device));

        // Cached answers and their versions.
        String group = "word:" + id;
        assertEquals("state", source(read(production, group, "production")));
        assertEquals("cache", source(read(production, group, "production")));
        Map<?, ?> stagingAnswer = json(read(stagingContext, group, "staging"));
        assertEquals("state", stagingAnswer.get("source"), "staging does not see production's cached answer");
        assertEquals("staging", stagingAnswer.get("from"));
        production.getBean(DashboardCache.class).changed(List.of(group));
        assertEquals("cache", source(read(stagingContext, group, "staging")), "production's change leaves staging's cache");
        assertEquals("state", source(read(production, group, "production")));

        List<String> productionKeys = keys(RedisKeys.DEFAULT_PREFIX + ":*" + id + "*");
        List<String> stagingKeys = keys("*" + id + "*");
        stagingKeys.removeAll(productionKeys);
        assertEquals(List.of(RedisKeys.DEFAULT_PREFIX + ":" + device), productionKeys.stream()
            .filter(k -> !k.contains(":dash:")).toList());
        assertFalse(productionKeys.stream().filter(k -> k.contains(":dash:")).toList().isEmpty(), productionKeys.toString());
        assertFalse(stagingKeys.isEmpty());
        for (String key : stagingKeys) {
            assertTrue(key.startsWith(staging + ":"), key + " lies under staging's prefix");
        }
        assertTrue(stagingKeys.contains(staging + ":" + device), stagingKeys.toString());
    }

    private String read(ApplicationContext deployment, String group, String from) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("from", from);
        answer.put("as_of", System.currentTimeMillis());
        return deployment.getBean(DashboardCache.class).read("word", group, "entry", () -> answer);
    }

    private String source(String body) throws IOException {
        return (String) json(body).get("source");
    }

    private Map<?, ?> json(String body) throws IOException {
        return production.getBean(JsonMapper.class).readValue(body, Map.class);
    }

    private List<String> keys(String pattern) {
        List<String> found = new ArrayList<>();
        ScanIterator.scan(rawConnection.sync(), ScanArgs.Builder.matches(pattern).limit(1000)).forEachRemaining(found::add);
        return found;
    }

    private static ApplicationContext start(String prefix) {
        Map<String, Object> properties = new HashMap<>(RealServers.serverProperties());
        if (prefix != null) {
            properties.put("pulse.redis.prefix", prefix);
        }
        // Only the Redis side is needed: no stream and no listener runs.
        properties.put("kafka.streams.default.start-kafka-streams", "false");
        for (String listener : new String[] {"transform", "sensor", "thresholds", "fraud", "catalog"}) {
            properties.put("pulse.listeners." + listener + ".enabled", "false");
        }
        return ApplicationContext.builder().environments("test").properties(properties).start();
    }
}
