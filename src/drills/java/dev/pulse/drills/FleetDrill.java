package dev.pulse.drills;

import dev.pulse.drills.Traffic.Rec;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.PulseProcess;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drill 5: Pulse as a fleet, three instances started as ECS starts the tasks of a service ({@link FleetStack}: the same
 * port on 127.0.0.2–4, nothing configured per instance but the address it is bound to) behind a real load balancer.
 * In order, on one fleet:
 * <ol>
 * <li>the contract's sample events of every input topic, with keys on every partition (so on every instance), then
 * every GET of the contract asked through the load balancer 30 times: always the same answer, and the right one,
 * worked out here from what was sent;</li>
 * <li>Redis stopped for a while under load: every instance stays in service behind the load balancer, reads answer
 * 200 from state, and the temperature alerts of the outage arrive exactly once afterwards;</li>
 * <li>SIGKILL of one instance under load: every output partition produces again within the session timeout + 5 s,
 * nothing lost or doubled for {@code read_committed} readers; the instance is started again in its slot (disabled in
 * CI, with its reason);</li>
 * <li>a rolling restart, one instance at a time (deregistered from the load balancer once what it has in flight is
 * done, SIGTERM, start, registered and in service again), as an ECS deployment does, under load: every answer through
 * the load balancer is right or a 503, and the outputs are exactly what was sent.</li>
 * </ol>
 *
 * <p>Settings: {@code -Ddrill.fleet.rate} (steps a second of about 8 records; 120, about 1,000 events/s),
 * {@code -Ddrill.fleet.redis.down} (seconds Redis stays away, 60).
 */
@Tag("drill")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetDrill {

    private static final int SIZE = 3;
    /** application.yml's {@code session.timeout.ms} of the listeners and of Kafka Streams. */
    private static final int SESSION_TIMEOUT_MS = 10_000;
    private static final int ASKS = 30;
    private static final int KEYS = 6;

    private final double rate = Double.parseDouble(System.getProperty("drill.fleet.rate", "120"));
    private final Duration redisDown = Duration.ofSeconds(Long.getLong("drill.fleet.redis.down", 60));
    private final DrillReport report = new DrillReport("fleet");
    private FleetStack fleet;
    /** The sample reads and their right answers (the parts a test can know), for scenario 1 and the roll. */
    private final Map<String, Object> answers = new LinkedHashMap<>();
    /**
     * The reads of {@link #answers} whose answer no later traffic changes. Not the samples' windows and sessions: their
     * event times (2021, 2023, 2025) fall out of the stores' 24 h retention once the drills' traffic moves stream time
     * on, and a store then answers without them (a restarted instance's restored store at once, a long-running one's
     * as its segments expire).
     */
    private final List<String> stableReads = new ArrayList<>();

    @BeforeAll
    void startTheFleet() throws Exception {
        report.put("instances", SIZE).put("session.timeout.ms", SESSION_TIMEOUT_MS)
            .put("load (steps/s, ~8 records each)", rate);
        // Pulse's shipped settings (application.yml), the same for every instance: nothing here is per instance.
        report.run(() -> {
            fleet = FleetStack.start("fleet", SIZE, Map.of());
            report.put("fleet startup", fleet.startup);
        });
    }

    @AfterAll
    void stopTheFleet() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
        report.write();
    }

    @Test
    @Order(1)
    void everyInstanceBehindTheLoadBalancerGivesTheSameRightAnswerToEveryContractRead() throws Exception {
        section("1 contract reads", figures -> {
            sendSamples();
            Map<String, Object> asked = new LinkedHashMap<>();
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, Object> read : answers.entrySet()) {
                Set<String> distinct = new LinkedHashSet<>();
                for (int i = 0; i < ASKS; i++) {
                    HttpResponse<String> answer = fleet.get(read.getKey());
                    String body = withoutVolatile(answer.body());
                    distinct.add(answer.statusCode() + " " + body);
                    if (answer.statusCode() != 200 || !matches(read.getValue(), OutputCheck.map(answer.body()))) {
                        wrong.add(read.getKey() + " (ask " + (i + 1) + "): " + answer.statusCode() + " " + answer.body()
                            + "\n      expected " + read.getValue());
                    }
                }
                asked.put(read.getKey(), distinct.size());
                if (distinct.size() > 1) {
                    wrong.add(read.getKey() + ": " + distinct.size() + " different answers: " + distinct);
                }
            }
            figures.put("reads", answers.size());
            figures.put("answers checked", answers.size() * ASKS);
            figures.put("wrong or differing answers", wrong.size());
            assertEquals(List.of(), wrong.stream().limit(20).toList(), "answers through the load balancer");
        });
    }

    @Test
    @Order(2)
    void aRedisOutageKeepsEveryInstanceInServiceAndAlertsArriveOnceAfterIt() throws Exception {
        section("2 redis outage", figures -> {
            Traffic traffic = new Traffic("fr", System.currentTimeMillis() / 1000, fleet.expected);
            Load load = new Load(fleet.producer, traffic, null, 0, fleet.expected);
            figures.put("redis down (s)", redisDown.toSeconds());
            load.start(rate);
            long loadStart = System.nanoTime();
            try {
                load.runFor(Duration.ofSeconds(5));
                int alertsAtStop = fleet.tail.count(Topics.TEMPERATURE_ALERTS);
                long stopped = System.nanoTime();
                fleet.redis.stop();
                Map<String, Integer> states = new TreeMap<>();
                Map<String, Integer> sources = new TreeMap<>();
                int reads = 0;
                long slowest = 0;
                long until = stopped + redisDown.toNanos();
                while (System.nanoTime() < until) {
                    fleet.lb.targetStates().forEach((target, state) -> states.merge(target + " " + state, 1, Integer::sum));
                    for (String read : stableReads) {
                        long asked = System.nanoTime();
                        HttpResponse<String> answer = fleet.get(read);
                        slowest = Math.max(slowest, System.nanoTime() - asked);
                        reads++;
                        sources.merge(answer.statusCode() == 200
                            ? "200 " + OutputCheck.map(answer.body()).get("source") : answer.statusCode() + " "
                            + answer.body(), 1, Integer::sum);
                    }
                    Thread.sleep(500); // the pace of the probes, for as long as Redis stays away
                }
                int alertsAtRestart = fleet.tail.count(Topics.TEMPERATURE_ALERTS);
                fleet.redis.start();
                long restarted = System.nanoTime();
                figures.put("target states while away (checks per state)", states);
                figures.put("reads while away", reads);
                figures.put("slowest read while away (s)", DrillReport.seconds(slowest));
                figures.put("answers while away", sources);
                figures.put("temperature alerts committed while away", alertsAtRestart - alertsAtStop);
                long alertsAgain = awaitMore(Topics.TEMPERATURE_ALERTS, alertsAtRestart, Duration.ofMinutes(3));
                figures.put("temperature alerts again after (s, from Redis up)",
                    DrillReport.seconds(alertsAgain - restarted));
                assertTrue(states.keySet().stream().allMatch(s -> s.endsWith(" UP")),
                    "every instance in service the whole time: " + states);
                assertEquals(Set.of("200 state"), sources.keySet(), "reads answered from state while Redis was away");
                load.runFor(Duration.ofSeconds(3));
            } finally {
                load.stop();
            }
            assertEverythingOnce(figures, load, loadStart);
        });
    }

    @Test
    @Order(3)
    @Disabled("Not in CI (see the drills guide): on a 2-core machine this scenario does not keep its limit reliably."
        + " With the shipped settings at the default load, the slowest Kafka Streams partition produced again 17.0 s"
        + " after the SIGKILL in a full run (20.7 s, 21.1 s and 24.3 s in others), against a limit of 15 s; on another"
        + " machine of this kind 12.9-14.1 s. Run it with ./mvnw -Pdrills verify -Dtest=FleetDrill"
        + " -Djunit.jupiter.conditions.deactivate='org.junit.*DisabledCondition'")
    void aKilledInstancesPartitionsProduceAgainWithinTheSessionTimeoutAndNothingIsLostOrDoubled() throws Exception {
        section("3 sigkill", figures -> {
            Traffic traffic = new Traffic("fk", System.currentTimeMillis() / 1000, fleet.expected);
            Load load = new Load(fleet.producer, traffic, null, 0, fleet.expected);
            load.start(rate);
            long loadStart = System.nanoTime();
            PulseProcess victim = fleet.pulses.get(1);
            try {
                load.runFor(Duration.ofSeconds(8));
                List<String> measured = List.of(Topics.OUTPUT_TOPIC, Topics.WORD_TOTALS, Topics.ENRICHED_CLICKS);
                List<TopicPartition> outputs = new ArrayList<>();
                measured.forEach(topic -> fleet.kafka.lastStableOffsets(topic)
                    .keySet().forEach(partition -> outputs.add(new TopicPartition(topic, partition))));
                // The first committed output after the kill, per output partition, as a read_committed reader of
                // those partitions alone gets it (not the drill's tail, which reads everything and can trail the
                // broker by a second or more under this load), connected before the kill.
                Map<TopicPartition, Long> firstAt;
                Map<TopicPartition, Long> stableAtKill = new LinkedHashMap<>();
                long killed;
                try (KafkaTestClient.FirstRecords watch = fleet.kafka.firstRecords(outputs)) {
                    killed = System.nanoTime();
                    victim.sigkill();
                    // Where each partition's committed records end once the killed process is gone: the broker's
                    // last stable offsets. A record at or past one was committed after the kill: the killed
                    // instance's open transaction, which holds its partitions' offset there, is aborted, never read.
                    measured.forEach(topic -> fleet.kafka.lastStableOffsets(topic).forEach(
                        (partition, offset) -> stableAtKill.put(new TopicPartition(topic, partition), offset)));
                    firstAt = watch.from(stableAtKill, Duration.ofMinutes(3));
                }
                figures.put("killed", victim.name() + " (" + victim.host() + ")");
                assertEquals(stableAtKill.keySet(), firstAt.keySet(), "output partitions producing again");
                Map<String, Long> firstAfter = new TreeMap<>();
                firstAt.forEach((partition, at) -> firstAfter.put(partition.toString(), at - killed));
                long recovery = firstAfter.values().stream().mapToLong(Long::longValue).max().orElseThrow();
                Map<String, Double> perPartition = new TreeMap<>();
                firstAfter.forEach((partition, nanos) -> perPartition.put(partition, DrillReport.seconds(nanos)));
                figures.put("first output after the kill (s, per output partition)", perPartition);
                figures.put("recovery (s, the slowest partition)", DrillReport.seconds(recovery));
                figures.put("limit (s)", (SESSION_TIMEOUT_MS + 5000) / 1000.0);
                load.runFor(Duration.ofSeconds(3));
                Duration ready = restart(victim);
                figures.put("restarted in its slot, in service after (s)", DrillReport.seconds(ready));
                assertTrue(recovery <= Duration.ofMillis(SESSION_TIMEOUT_MS + 5000).toNanos(),
                    "every partition produced again within session timeout + 5 s: " + perPartition);
            } finally {
                load.stop();
            }
            assertEverythingOnce(figures, load, loadStart);
        });
    }

    @Test
    @Order(4)
    void aRollingRestartAnswersRightOr503AndKeepsEveryOutputExactlyOnce() throws Exception {
        section("4 rolling restart", figures -> {
            Traffic traffic = new Traffic("fo", System.currentTimeMillis() / 1000, fleet.expected);
            Load load = new Load(fleet.producer, traffic, null, 0, fleet.expected);
            load.start(rate);
            long loadStart = System.nanoTime();
            Map<String, Integer> outcomes = new TreeMap<>();
            List<String> wrong = new ArrayList<>();
            Reader reader = new Reader(outcomes, wrong);
            reader.start();
            List<Double> rolls = new ArrayList<>();
            try {
                load.runFor(Duration.ofSeconds(3));
                for (PulseProcess pulse : fleet.pulses) {
                    long start = System.nanoTime();
                    // As an ECS deployment stops a task: the ALB deregisters it and lets what is in flight finish
                    // (deregistration_delay), then ECS sends SIGTERM; the new task takes requests once healthy.
                    fleet.lb.deregister(target(pulse), Duration.ofSeconds(30));
                    pulse.sigterm(Duration.ofSeconds(60));
                    restart(pulse);
                    rolls.add(DrillReport.seconds(System.nanoTime() - start));
                }
                load.runFor(Duration.ofSeconds(3));
            } finally {
                reader.running = false;
                reader.join(60_000);
                load.stop();
            }
            figures.put("per instance: stopped, started, in service again (s)", rolls);
            synchronized (outcomes) {
                figures.put("answers during the roll", new TreeMap<>(outcomes));
            }
            figures.put("wrong answers", wrong.size());
            assertEquals(List.of(), wrong.stream().limit(20).toList(), "answers during the roll: right or 503");
            assertEverythingOnce(figures, load, loadStart);
        });
    }

    /** Asks the stable reads through the load balancer again and again, noting each answer: right, 503, or wrong. */
    private final class Reader extends Thread {
        volatile boolean running = true;
        private final Map<String, Integer> outcomes;
        private final List<String> wrong;

        Reader(Map<String, Integer> outcomes, List<String> wrong) {
            super("fleet-drill-reader");
            this.outcomes = outcomes;
            this.wrong = wrong;
        }

        @Override
        public void run() {
            while (running) {
                for (String read : stableReads) {
                    String outcome;
                    try {
                        HttpResponse<String> answer = fleet.get(read);
                        if (answer.statusCode() == 200 && matches(answers.get(read), OutputCheck.map(answer.body()))) {
                            outcome = "200 right";
                        } else if (answer.statusCode() == 503) {
                            outcome = "503";
                        } else {
                            outcome = answer.statusCode() + " wrong";
                            synchronized (outcomes) {
                                wrong.add(read + ": " + answer.statusCode() + " " + answer.body());
                            }
                        }
                    } catch (IOException e) {
                        outcome = "no answer";
                        synchronized (outcomes) {
                            wrong.add(read + ": no answer (" + e + ")");
                        }
                    }
                    synchronized (outcomes) {
                        outcomes.merge(outcome, 1, Integer::sum);
                    }
                }
            }
        }
    }

    /**
     * Starts {@code pulse} again in its slot, registers it with the load balancer (if it was deregistered) and waits
     * until it is ready and in service; returns how long it took.
     */
    private Duration restart(PulseProcess pulse) throws IOException {
        long start = System.nanoTime();
        pulse.restart();
        pulse.waitUntilReady(Duration.ofMinutes(4));
        fleet.lb.register(target(pulse));
        fleet.lb.awaitInService(Duration.ofMinutes(1));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static InetSocketAddress target(PulseProcess pulse) {
        return new InetSocketAddress(pulse.host(), pulse.port());
    }

    private void assertEverythingOnce(Map<String, Object> figures, Load load, long loadStart) throws Exception {
        long loadEnd = System.nanoTime();
        figures.put("load duration (s)", DrillReport.seconds(loadEnd - loadStart));
        figures.put("records sent", load.sent());
        assertEquals(List.of(), load.failures(), "the drill's own producer lost nothing");
        Map<String, List<String>> differences = fleet.awaitOutputs(Duration.ofMinutes(4));
        figures.put("drained after (s)", DrillReport.seconds(System.nanoTime() - loadEnd));
        figures.put("output records read", fleet.check.checked());
        figures.put("differences", OutputCheck.describe(differences, 5));
        assertTrue(DrillStack.empty(differences), "outputs differ from the expected ones:"
            + OutputCheck.describe(differences, 10));
    }

    private long awaitMore(String topic, int count, Duration timeout) {
        return DrillStack.await(topic + " growing past " + count, () -> fleet.tail.count(topic) > count, timeout);
    }

    @FunctionalInterface
    private interface Section {
        void run(Map<String, Object> figures) throws Exception;
    }

    /** Runs one scenario with its figures in the report under {@code name}, noting whether it passed. */
    private void section(String name, Section body) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fleet != null, "the fleet did not start");
        Map<String, Object> figures = new LinkedHashMap<>();
        report.put(name, figures);
        try {
            body.run(figures);
            figures.put("passed", true);
        } catch (Exception | Error e) {
            figures.put("passed", false);
            String message = String.valueOf(e.getMessage());
            figures.put("failure", message.length() > 3000 ? message.substring(0, 3000) + "…" : message);
            throw e;
        } finally {
            report.write();
        }
    }

    // --- scenario 1: the contract's samples, several keys each -----------------------------------------------------

    /**
     * The contract's sample record of every input topic, {@link #KEYS} times with keys that cover every partition,
     * told to {@link Expected} (for the output checks of the later scenarios) and to {@link #answers}: each contract
     * read with the answer worked out from what was sent.
     */
    private void sendSamples() throws Exception {
        List<String> users = keys("alice");
        List<String> products = keys("product");
        List<String> sensors = keys("sensor");
        List<String> cards = keys("card");
        List<String> words = keys("apple");
        List<String> eventUsers = keys("1234");
        // Tables first, and consumed before anything joins them.
        for (int j = 0; j < KEYS; j++) {
            send(Topics.USER_PROFILES, users.get(j), "{\"name\": \"Alice %d\", \"age\": %d}".formatted(j, 20 + j), null);
            send(Topics.PRODUCT_CATALOG, products.get(j), "{\"name\": \"Laptop %d\", \"price\": %d}".formatted(j, 100 * (j + 1)), null);
            send(Topics.DEVICE_THRESHOLDS, sensors.get(j) + "_2", "{\"threshold\": 60.0, \"hysteresis\": 5.0}", null);
            fleet.expected.threshold(sensors.get(j) + "_2", 60, 5);
        }
        fleet.producer.flush();
        List<String> tables = new ArrayList<>(List.of(Topics.USER_PROFILES, Topics.PRODUCT_CATALOG,
            Topics.DEVICE_THRESHOLDS));
        // and the repartition topics that co-partition the tables with what joins them
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
            org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, fleet.broker.bootstrapServers()))) {
            admin.listTopics().names().get().stream()
                .filter(t -> t.contains("repartition") && (t.contains("profile") || t.contains("product")))
                .forEach(tables::add);
        }
        fleet.kafka.awaitConsumedByEveryGroup(tables, Duration.ofMinutes(2));

        long inputTs = 1_700_000_000L;
        long eventsTs = 1_736_935_200L; // 2025-01-15T10:00:00Z, the start of a 5-minute window
        long clicksTs = 1_609_459_200L;
        List<Map<String, Object>> temperatureAlerts = new ArrayList<>();
        List<Map<String, Object>> fraudAlerts = new ArrayList<>();
        List<Map<String, Object>> conversions = new ArrayList<>();
        List<Map<String, Object>> categories = new ArrayList<>();
        List<Map<String, Object>> pages = new ArrayList<>();
        for (int j = 0; j < KEYS; j++) {
            String word = words.get(j);
            send(Topics.WORD_COUNTS, "w" + j, "{\"word\": \"%s\"}".formatted(word), null);
            send(Topics.WORD_COUNTS, null, "An %s a day".formatted(word), null);
            fleet.expected.words(List.of(word, "an", word, "a", "day"));
            answers.put("/api/words/" + word, Map.of("word", word, "count", 2));

            String sensor = sensors.get(j) + "_1";
            long raised = inputTs + 20L * j;
            send(Topics.REAL_TIME_DATA, sensor, "{\"device_id\": \"%s\", \"temperature\": 52.5, \"timestamp\": %d}"
                .formatted(sensor, raised), null);
            send(Topics.REAL_TIME_DATA, sensor, "Temperature: 30C", (raised + 10) * 1000);
            send(Topics.REAL_TIME_DATA, sensors.get(j) + "_2", "Temperature: 86F", raised * 1000);
            fleet.expected.reading(sensor, 52.5, raised * 1000);
            fleet.expected.reading(sensor, 30, (raised + 10) * 1000);
            fleet.expected.reading(sensors.get(j) + "_2", 30, raised * 1000);
            String alertId = "temp-" + sensor + "-" + raised * 1000;
            temperatureAlerts.add(0, Map.of("alert_id", alertId, "device_id", sensor, "state", "RAISED",
                "temperature", 52.5));
            temperatureAlerts.add(0, Map.of("alert_id", alertId, "device_id", sensor, "state", "CLEARED",
                "temperature", 30));
            answers.put("/api/devices/" + sensor, Map.of("device_id", sensor, "temperature", 30, "alert_state", "NORMAL"));
            stableReads.add("/api/devices/" + sensor);

            String category = "A" + j;
            send(Topics.INPUT_TOPIC, "r" + j, "{\"id\": %d, \"timestamp\": %d, \"value\": %d, \"category\": \"%s\"}"
                .formatted(100 + j, inputTs, 10 + j, category), null);
            fleet.expected.record(Integer.toString(100 + j), category, 10 + j);
            categories.add(Map.of("category", category, "count", 1, "sum", 10 + j, "min", 10 + j, "max", 10 + j,
                "average", 10 + j));
            long minute = inputTs - inputTs % 60;
            String windows = "/api/categories/" + category + "/windows?from=" + minute + "&to=" + (minute + 60);
            // Not "closed": whether the window's final result is out yet depends on the wall clock (see the report).
            answers.put(windows, Map.of("items", List.of(Map.of("window_start", minute, "count", 1, "sum", 10 + j))));

            String userId = eventUsers.get(j);
            send(Topics.USER_EVENTS, userId, ("{\"user_id\": %s, \"event_type\": \"page_view\", \"event_data\": "
                + "{\"page\": \"/products%d\", \"duration\": 45}, \"timestamp\": \"2025-01-15T10:00:00\"}")
                .formatted(userId, j), null);
            fleet.expected.userEvent("page_view", userId, "/products" + j, eventsTs);
            pages.add(Map.of("page", "/products" + j, "views", 1));

            String user = users.get(j);
            String product = products.get(j);
            long clicked = clicksTs + 100L * j;
            send(Topics.USER_CLICKS, user, ("{\"user\": \"%s\", \"page\": \"/home\", \"product\": \"%s\", "
                + "\"seq\": \"s-%s\", \"timestamp\": %d}").formatted(user, product, user, clicked), null);
            send(Topics.PURCHASES, user, ("{\"user\": \"%s\", \"product\": \"%s\", \"amount\": 999.0, "
                + "\"seq\": \"p-%s\", \"timestamp\": %d}").formatted(user, product, user, clicked + 60), null);
            fleet.expected.click(user, true, "s-" + user);
            fleet.expected.purchase("p-" + user, user);
            conversions.add(0, Map.of("user", user, "clicked_product", product, "purchased_product", product,
                "time_diff", 60));
            answers.put("/api/users/" + user + "/home-clicks", Map.of("user", user, "count", 1));
            answers.put("/api/users/" + user + "/clicks/enriched", Map.of("items", List.of(Map.of("user", user,
                "page", "/home", "product", product, "user_name", "Alice " + j, "user_age", 20 + j,
                "product_name", "Laptop " + j, "product_price", 100 * (j + 1)))));
            answers.put("/api/users/" + user + "/sessions", Map.of("items", List.of(Map.of("session_start", clicked,
                "session_end", clicked, "events", 1))));
            stableReads.add("/api/users/" + user + "/home-clicks");
            stableReads.add("/api/users/" + user + "/clicks/enriched");

            String card = cards.get(j);
            long paid = inputTs + 100L * j;
            send(Topics.TRANSACTIONS, card, transaction("t-" + j + "-1", card, "120.5", paid), null);
            fleet.expected.transaction(card, "t-" + j + "-1", 120.5, "DE", paid * 1000);
            if (j % 2 == 0) {
                send(Topics.TRANSACTIONS, card, transaction("t-" + j + "-2", card, "25000", paid + 10), null);
                fleet.expected.transaction(card, "t-" + j + "-2", 25_000, "DE", (paid + 10) * 1000);
                fraudAlerts.add(0, Map.of("alert_id", "fraud-LARGE_AMOUNT-t-" + j + "-2", "card_id", card,
                    "transaction_id", "t-" + j + "-2", "rule", "LARGE_AMOUNT", "amount", 25_000));
            }
        }
        fleet.producer.flush();
        answers.put("/api/words?top=3", Map.of("items", List.of(Map.of("word", "a", "count", KEYS),
            Map.of("word", "an", "count", KEYS), Map.of("word", "day", "count", KEYS))));
        answers.put("/api/categories", Map.of("items", categories));
        answers.put("/api/event-counts?from=" + eventsTs + "&to=" + (eventsTs + 300), Map.of("items", List.of(
            Map.of("event_type", "page_view", "window_start", eventsTs, "window_end", eventsTs + 300, "count", KEYS))));
        answers.put("/api/pages/top", Map.of("window_start", eventsTs, "window_end", eventsTs + 60, "pages", pages));
        answers.put("/api/conversions", Map.of("items", conversions));
        answers.put("/api/alerts?type=temperature", Map.of("items", temperatureAlerts));
        answers.put("/api/alerts?type=fraud", Map.of("items", fraudAlerts));

        // Every output of the samples committed before the reads.
        Map<String, List<String>> differences = fleet.awaitOutputs(Duration.ofMinutes(3));
        assertTrue(DrillStack.empty(differences), "the samples' outputs:" + OutputCheck.describe(differences, 10));
    }

    private static String transaction(String id, String card, String amount, long ts) {
        return ("{\"transaction_id\": \"%s\", \"card_id\": \"%s\", \"amount\": %s, \"currency\": \"EUR\", "
            + "\"merchant\": \"m-9\", \"country\": \"DE\", \"timestamp\": %d}").formatted(id, card, amount, ts);
    }

    private void send(String topic, String key, String value, Long timestampMs) {
        fleet.producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, null, timestampMs,
            key == null ? null : key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * {@link #KEYS} keys {@code <prefix><n>} that between them fall on every partition of a 3-partition topic, by the
     * Java client's partitioner (murmur2), so that every instance owns some of them.
     */
    private static List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        Set<Integer> partitions = new LinkedHashSet<>();
        for (int n = 0; keys.size() < KEYS; n++) {
            String key = prefix + n;
            int partition = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 3;
            // one key per partition first, then any
            if (partitions.add(partition) || partitions.size() == 3) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** The answer without what may differ between two asks of the same state ({@code as_of}, {@code source}). */
    private static String withoutVolatile(String body) {
        try {
            Map<String, Object> map = new TreeMap<>(OutputCheck.map(body));
            map.remove("as_of");
            map.remove("source");
            return map.toString();
        } catch (AssertionError notJson) {
            return body;
        }
    }

    /**
     * Whether {@code got} has what {@code want} says: every field of a wanted object (others may be there besides),
     * lists element by element in order and of the same length, numbers by value.
     */
    static boolean matches(Object want, Object got) {
        if (want instanceof Map<?, ?> wanted) {
            return got instanceof Map<?, ?> map && wanted.entrySet().stream()
                .allMatch(e -> map.containsKey(e.getKey()) && matches(e.getValue(), map.get(e.getKey())));
        }
        if (want instanceof List<?> wanted) {
            if (!(got instanceof List<?> list) || list.size() != wanted.size()) {
                return false;
            }
            for (int i = 0; i < wanted.size(); i++) {
                if (!matches(wanted.get(i), list.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (want instanceof Number n) {
            return got instanceof Number m && n.doubleValue() == m.doubleValue();
        }
        return Objects.equals(want, got);
    }
}
