package dev.pulse.alerts;

import dev.pulse.alerts.fraud.FraudProperties;
import dev.pulse.alerts.fraud.FraudService;
import dev.pulse.kafka.Topics;
import dev.pulse.redis.RedisKeys;
import dev.pulse.testkit.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.pulse.testkit.Records.DEAD_LETTERS;
import static dev.pulse.testkit.Records.DECODER;
import static dev.pulse.testkit.Records.JSON;
import static dev.pulse.testkit.Records.map;
import static dev.pulse.testkit.Records.record;
import static dev.pulse.testkit.Records.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RedisStateStore} against the real redis-server: compare-and-set semantics, and two instances racing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisStateStoreIntegrationTest {

    private final RedisClient client = RedisClient.create(TestServers.redis().uri());
    private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    private final String prefix = "it:" + UUID.randomUUID() + ":";
    private final RedisKeys redisKeys = new RedisKeys(RedisKeys.DEFAULT_PREFIX);

    private RedisStateStore store() {
        StatefulRedisConnection<String, String> connection = client.connect();
        connections.add(connection);
        return new RedisStateStore(dev.pulse.redis.RedisConnector.of(connection),
            new AlertStateProperties(Duration.ofHours(1), Duration.ofSeconds(5)), redisKeys);
    }

    @AfterAll
    void close() {
        connections.forEach(StatefulRedisConnection::close);
        client.shutdown();
    }

    @Test
    void compareAndSetAppliesOnlyWhenEveryExpectedValueHolds() {
        RedisStateStore store = store();
        String a = prefix + "a";
        String b = prefix + "b";
        Map<String, String> absent = new HashMap<>();
        absent.put(a, null);
        absent.put(b, null);
        assertTrue(store.compareAndSet(absent, Map.of(a, "1", b, "x")));
        assertEquals(Map.of(a, "1", b, "x"), store.getAll(List.of(a, b, prefix + "none")));
        assertFalse(store.compareAndSet(absent, Map.of(a, "2")), "a is no longer absent");
        assertFalse(store.compareAndSet(Map.of(a, "1", b, "y"), Map.of(a, "2")), "b does not hold y");
        assertEquals("1", store.getAll(List.of(a)).get(a), "nothing changed by a failed compare");
        Map<String, String> delete = new HashMap<>();
        delete.put(b, null);
        assertTrue(store.compareAndSet(Map.of(a, "1", b, "x"), delete));
        assertNull(store.getAll(List.of(b)).get(b));
        long ttl = connections.get(0).sync().pttl(redisKeys.key(a));
        assertTrue(ttl > 0 && ttl <= 3_600_000, "written keys expire, under the deployment's prefix: " + ttl);
    }

    @Test
    void keepsPermanentKeysWithoutExpiryAndListsThemWhileTheyArePermanent() {
        RedisStateStore store = store();
        var redis = connections.get(connections.size() - 1).sync();
        String states = prefix + "state:";
        String list = prefix + "open";
        String hot = states + "hot";
        String progress = prefix + "progress";
        StateStore.Keeping keepHot = new StateStore.Keeping(java.util.Set.of(hot), states, list);
        Map<String, String> absent = new HashMap<>();
        absent.put(hot, null);
        assertTrue(store.compareAndSet(absent, Map.of(hot, "RAISED", progress, "1"), keepHot));
        assertEquals(-1, redis.pttl(redisKeys.key(hot)), "a permanent key has no expiry");
        assertTrue(redis.pttl(redisKeys.key(progress)) > 0, "the others expire");
        assertEquals(java.util.Set.of("hot"), store.listed(list));

        redis.pexpire(redisKeys.key(hot), 60_000); // as an earlier build wrote it
        assertTrue(store.compareAndSet(Map.of(hot, "RAISED"), Map.of(progress, "2"), keepHot));
        assertEquals(-1, redis.pttl(redisKeys.key(hot)), "kept permanently unchanged: its expiry is removed");

        StateStore.Keeping expiring = new StateStore.Keeping(java.util.Set.of(), states, list);
        assertTrue(store.compareAndSet(Map.of(hot, "RAISED"), Map.of(hot, "NORMAL"), expiring));
        assertTrue(redis.pttl(redisKeys.key(hot)) > 0, "written as expiring, it expires");
        assertEquals(java.util.Set.of(), store.listed(list), "and is no longer listed");

        assertTrue(store.compareAndSet(Map.of(hot, "NORMAL"), Map.of(hot, "RAISED"), keepHot));
        Map<String, String> delete = new HashMap<>();
        delete.put(hot, null);
        assertTrue(store.compareAndSet(Map.of(hot, "RAISED"), delete, keepHot));
        assertEquals(java.util.Set.of(), store.listed(list), "a deleted key is not listed");
    }

    @Test
    void loadsTheScriptAgainWhenRedisForgotIt() {
        RedisStateStore store = store();
        String key = prefix + "script";
        assertTrue(store.compareAndSet(Map.of(), Map.of(key, "1")));
        connections.get(connections.size() - 1).sync().scriptFlush();
        assertTrue(store.compareAndSet(Map.of(key, "1"), Map.of(key, "2")));
        assertEquals("2", store.getAll(List.of(key)).get(key));
    }

    @Test
    void twoInstancesRacingOnOnePartitionGiveEveryAlertOnceAndCountEveryRecordOnce() throws Exception {
        // Two instances work through the same 300 transactions at once, as a zombie and its successor would.
        // Kafka's part is modelled by one committed offset: a batch's outputs count only if its instance moves
        // the offset from the batch's start to its end (as a transaction with the offsets would); the loser
        // goes back to the committed offset, as the runner does.
        String topic = Topics.TRANSACTIONS + "-" + UUID.randomUUID();
        String card = "race-" + UUID.randomUUID();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double amount = i % 50 == 49 ? 20_000 : 10;
            records.add(record(topic, 0, i, 1L, card, ("{\"transaction_id\": \"r%d\", \"card_id\": \"%s\", \"amount\": %s, "
                + "\"country\": \"DE\", \"timestamp\": %d}").formatted(i, card, amount, 1_700_000_000L + i * 20L).getBytes()));
        }
        java.util.concurrent.atomic.AtomicLong committed = new java.util.concurrent.atomic.AtomicLong();
        List<String> committedAlerts = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
        Callable<Void> instance = () -> {
            FraudService service = new FraudService(DECODER, JSON, DEAD_LETTERS, FraudProperties.defaults(), store(), "alerts");
            java.util.Random random = new java.util.Random();
            while (committed.get() < records.size()) {
                int from = (int) committed.get();
                int to = Math.min(records.size(), from + 1 + random.nextInt(40));
                List<String> alerts = new ArrayList<>();
                List<ProducerRecord<byte[], byte[]>> outputs;
                try {
                    outputs = service.process(records.subList(from, to));
                } catch (KeyedStateProcessor.ConcurrentUpdateException e) {
                    // The other instance kept winning the compare-and-set: the listener's runner retries such a batch
                    // as a transient failure, and so does this loop.
                    lost.incrementAndGet();
                    continue;
                }
                for (ProducerRecord<byte[], byte[]> out : outputs) {
                    alerts.add(text(out.value()));
                }
                synchronized (committed) {
                    if (committed.compareAndSet(from, to)) {
                        committedAlerts.addAll(alerts);
                    } else {
                        lost.incrementAndGet();
                    }
                }
            }
            return null;
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Void> first = pool.submit(instance);
            Future<Void> second = pool.submit(instance);
            first.get();
            second.get();
        } finally {
            pool.shutdownNow();
        }
        org.slf4j.LoggerFactory.getLogger(getClass()).info("{} batches lost the race and were redone", lost.get());
        List<String> ids = committedAlerts.stream().map(a -> map(a.getBytes()).get("alert_id").toString()).toList();
        List<String> expected = new ArrayList<>();
        for (int i = 49; i < 300; i += 50) {
            expected.add("fraud-LARGE_AMOUNT-r" + i);
            expected.add("fraud-AMOUNT_SPIKE-r" + i);
        }
        assertEquals(expected, ids, "every alert once, in order (" + lost.get() + " batches lost the race)");
        Map<String, Object> state = map(store().getAll(List.of(FraudService.stateKey(card))).get(FraudService.stateKey(card)).getBytes());
        assertEquals(300, ((Number) state.get("count")).intValue(), "every transaction counted once");
    }
}
