package dev.pulse.drills;

import dev.pulse.kafka.Topics;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drill 1: Pulse is killed with SIGKILL at random moments while a steady load streams into every input topic, and
 * started again each time (same instance slot, same state directory, as a supervisor restarts it); while it is down,
 * one invalid record of every kind goes out on top of the load. Once the load has stopped and Pulse has drained it,
 * every output topic, read {@code read_committed}, holds exactly what the drill worked out from what it sent, and the
 * dashboard answers the same: nothing lost, nothing counted twice.
 *
 * <p>Settings: {@code -Ddrill.kills} (3), {@code -Ddrill.rate} (steps a second, 60; a step is about 8 records),
 * {@code -Ddrill.seed} (random; printed, to replay the same kill moments).
 */
@Tag("drill")
class KillDrill {

    @Test
    void sigkillUnderLoadLosesNothingAndCountsNothingTwice() throws Exception {
        int kills = Integer.getInteger("drill.kills", 3);
        double rate = Double.parseDouble(System.getProperty("drill.rate", "60"));
        long seed = Long.getLong("drill.seed", System.nanoTime());
        Random random = new Random(seed);
        DrillReport report = new DrillReport("kill").put("seed", seed).put("kills", kills)
            .put("load (steps/s, ~8 records each)", rate);
        // Pulse's shipped settings: a killed member holds its partitions until its session times out, 10 s in
        // application.yml instead of Kafka's 45 s.
        Map<String, String> settings = Map.of();
        report.put("session.timeout.ms", 10000);
        report.run(() -> {
            try (DrillStack stack = DrillStack.start("kill", false, settings)) {
                report.put("pulse startup", stack.pulseStartup);
                Traffic traffic = new Traffic("k", System.currentTimeMillis() / 1000, stack.expected);
                Load load = new Load(stack.producer, traffic, new BadRecords(true), 0.1, stack.expected);
                long loadStart = System.nanoTime();
                load.start(rate);
                List<Map<String, Object>> killFigures = new ArrayList<>();
                report.put("kill moments", killFigures);
                try {
                    for (int kill = 1; kill <= kills; kill++) {
                        load.runFor(Duration.ofMillis(4000 + random.nextInt(8000))); // a random moment
                        assertEquals(List.of(), load.failures(), "the drill's producer lost nothing");
                        int outputsAtKill = stack.tail.count(Topics.OUTPUT_TOPIC);
                        long sentAtKill = load.sent();
                        long killed = System.nanoTime();
                        long pid = stack.pulse.pid();
                        stack.pulse.sigkill();
                        // While it is down: one invalid record of every kind, on top of the load, so each topic's
                        // way of rejecting records is tried on records that arrived while nobody was reading.
                        int invalid = load.sendEveryInvalidKind();
                        Map<String, Object> figures = new LinkedHashMap<>();
                        killFigures.add(figures);
                        figures.put("after (s)", DrillReport.seconds(killed - loadStart));
                        figures.put("killed pid", pid);
                        figures.put("records sent", sentAtKill);
                        figures.put("output-topic records committed", outputsAtKill);
                        figures.put("invalid records of every kind sent while down", invalid);
                        Duration ready = stack.restartPulse();
                        figures.put("ready again after (s)", DrillReport.seconds(System.nanoTime() - killed));
                        figures.put("of which start-up (s)", DrillReport.seconds(ready));
                        long resumed = stack.awaitMore(Topics.OUTPUT_TOPIC, outputsAtKill, Duration.ofMinutes(3));
                        figures.put("outputs again after (s)", DrillReport.seconds(resumed - killed));
                        assertTrue(load.sent() > sentAtKill, "records kept streaming in while Pulse was down");
                    }
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
}
