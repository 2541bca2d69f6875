package dev.pulse.drills;

import dev.pulse.drills.Traffic.Rec;
import dev.pulse.kafka.Topics;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drill 3: Redis is stopped while a steady load streams in, stays away (30 s by default) and comes back with its
 * data (an append-only file, as a managed Redis keeps its data across a restart). Meanwhile what needs no Redis goes
 * on (word totals keep growing), the dashboard answers from state ({@code "source": "state"}) and readiness shows
 * Redis DOWN; the alert listeners, whose state is in Redis, retry. Afterwards readiness is UP, answers come from the
 * cache again, and every output, temperature alerts included (one RAISED and one CLEARED per excursion), holds
 * exactly what was sent, once.
 *
 * <p>Settings: {@code -Ddrill.redis.down} (seconds away, 30), {@code -Ddrill.rate} (steps a second, 60).
 */
@Tag("drill")
class RedisOutageDrill {

    /** A word sent once: its cached answer stays current, so a second read is a cache hit whenever Redis answers. */
    private static final String PROBE = "drillprobe";

    @Test
    void processingGoesOnThroughARedisOutageAndAlertsArriveOnceAfterIt() throws Exception {
        Duration down = Duration.ofSeconds(Long.getLong("drill.redis.down", 30));
        double rate = Double.parseDouble(System.getProperty("drill.rate", "60"));
        DrillReport report = new DrillReport("redis-outage").put("redis down (s)", down.toSeconds())
            .put("load (steps/s, ~8 records each)", rate);
        report.run(() -> {
            try (DrillStack stack = DrillStack.start("redis-outage", true, Map.of())) {
                report.put("pulse startup", stack.pulseStartup);
                Traffic traffic = new Traffic("r", System.currentTimeMillis() / 1000, stack.expected);
                Load load = new Load(stack.producer, traffic, new BadRecords(true), 0.1, stack.expected);
                stack.expected.words(List.of(PROBE));
                load.sendOne(Rec.good(Topics.WORD_COUNTS, "probe", "{\"word\": \"" + PROBE + "\"}"));
                long loadStart = System.nanoTime();
                load.start(rate);
                try {
                    DrillStack.await("the probe word counted",
                        () -> stack.tail.latest(Topics.WORD_TOTALS).containsKey(PROBE), Duration.ofMinutes(2));
                    // Once the dashboard has taken the probe's count in, a repeated read is a cache hit while Redis answers.
                    DrillStack.await("a repeated read of the probe served from the cache", () -> {
                        stack.wordSource(PROBE);
                        return stack.wordSource(PROBE).equals("cache");
                    }, Duration.ofMinutes(1));
                    report.put("dashboard source before", "cache");
                    assertEquals("UP", stack.readinessOf("redis"), "Redis UP in readiness before");
                    assertEquals(List.of(), load.failures(), "the drill's producer lost nothing");

                    long wordsAtStop = wordsCounted(stack);
                    int alertsAtStop = stack.tail.count(Topics.TEMPERATURE_ALERTS);
                    int fraudAtStop = stack.tail.count(Topics.FRAUD_ALERTS);
                    report.put("records sent at the stop", load.sent());
                    long stopped = System.nanoTime();
                    stack.redis.stop();
                    Set<String> readiness = new LinkedHashSet<>();
                    Set<String> sources = new LinkedHashSet<>();
                    long firstDown = 0;
                    long until = stopped + down.toNanos();
                    while (System.nanoTime() < until) {
                        String redis = stack.readinessOf("redis");
                        readiness.add(redis);
                        if (firstDown == 0 && redis.equals("DOWN")) {
                            firstDown = System.nanoTime();
                        }
                        sources.add(stack.wordSource(PROBE));
                        Thread.sleep(1000); // the probe's pace, for as long as Redis stays away
                    }
                    long wordsAtRestart = wordsCounted(stack);
                    int alertsAtRestart = stack.tail.count(Topics.TEMPERATURE_ALERTS);
                    int fraudAtRestart = stack.tail.count(Topics.FRAUD_ALERTS);
                    long restarting = System.nanoTime();
                    stack.redis.start();
                    long restarted = System.nanoTime();
                    report.put("readiness of Redis while away", new ArrayList<>(readiness));
                    report.put("readiness showed Redis DOWN after (s)",
                        firstDown == 0 ? null : DrillReport.seconds(firstDown - stopped));
                    report.put("dashboard sources while away", new ArrayList<>(sources));
                    report.put("words counted while away", wordsAtRestart - wordsAtStop);
                    report.put("temperature alerts committed while away", alertsAtRestart - alertsAtStop);
                    report.put("fraud alerts committed while away", fraudAtRestart - fraudAtStop);
                    report.put("redis start-up took", DrillReport.seconds(restarted - restarting));

                    long ready = DrillStack.await("readiness UP again", stack.pulse::isReady, Duration.ofMinutes(3));
                    report.put("ready again after (s, from Redis up)", DrillReport.seconds(ready - restarted));
                    long alertsAgain = stack.awaitMore(Topics.TEMPERATURE_ALERTS, alertsAtRestart, Duration.ofMinutes(3));
                    report.put("temperature alerts again after (s, from Redis up)",
                        DrillReport.seconds(alertsAgain - restarted));
                    long cached = DrillStack.await("dashboard answers from the cache again",
                        () -> stack.wordSource(PROBE).equals("cache"), Duration.ofMinutes(2));
                    report.put("dashboard cached again after (s, from Redis up)", DrillReport.seconds(cached - restarted));

                    assertTrue(readiness.contains("DOWN"), "readiness showed Redis DOWN while it was away: " + readiness);
                    assertEquals(Set.of("state"), sources, "the dashboard answered from state while Redis was away");
                    assertTrue(wordsAtRestart > wordsAtStop, "word totals kept growing while Redis was away");
                    assertEquals("UP", stack.readinessOf("redis"), "Redis UP in readiness after");
                    load.runFor(Duration.ofSeconds(5));
                } finally {
                    load.stop();
                }
                long loadEnd = System.nanoTime();
                report.put("load duration", DrillReport.seconds(loadEnd - loadStart));
                stack.assertEverythingArrivedOnce(report, load, loadEnd);
            }
        });
    }

    /** The sum of the latest word totals committed so far. */
    private static long wordsCounted(DrillStack stack) {
        return stack.tail.latest(Topics.WORD_TOTALS).values().stream().mapToLong(v -> Long.parseLong(v.trim())).sum();
    }
}
