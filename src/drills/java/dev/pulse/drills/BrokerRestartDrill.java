package dev.pulse.drills;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.pulse.kafka.Topics;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drill 2: the Kafka broker is stopped (SIGTERM, a clean shutdown) while a steady load streams in, stays away a while,
 * and is started again on the same port with its data. Pulse is not touched: it must see the broker go (readiness
 * DOWN), find it again by itself (readiness UP, outputs flowing), and in the end every output holds exactly what was
 * sent, once.
 *
 * <p>Settings: {@code -Ddrill.broker.down} (seconds away, 15), {@code -Ddrill.rate} (steps a second, 60).
 */
@Tag("drill")
class BrokerRestartDrill {

    @Test
    void pulseRecoversByItselfFromABrokerRestartWithoutLossOrDuplicates() throws Exception {
        Duration down = Duration.ofSeconds(Long.getLong("drill.broker.down", 15));
        double rate = Double.parseDouble(System.getProperty("drill.rate", "60"));
        DrillReport report = new DrillReport("broker-restart").put("broker down (s)", down.toSeconds())
            .put("load (steps/s, ~8 records each)", rate);
        // The drill's own clients warn about every request while the broker is away: errors only, for this drill.
        Logger clients = (Logger) LoggerFactory.getLogger("org.apache.kafka.clients");
        Level level = clients.getLevel();
        clients.setLevel(Level.ERROR);
        report.run(() -> {
            try (DrillStack stack = DrillStack.start("broker-restart", false, Map.of())) {
                report.put("pulse startup", stack.pulseStartup);
                Traffic traffic = new Traffic("b", System.currentTimeMillis() / 1000, stack.expected);
                Load load = new Load(stack.producer, traffic, new BadRecords(true), 0.1, stack.expected);
                long loadStart = System.nanoTime();
                load.start(rate);
                long pid = stack.pulse.pid();
                try {
                    load.runFor(Duration.ofSeconds(10));
                    assertEquals(List.of(), load.failures(), "the drill's producer lost nothing");
                    stack.awaitMore(Topics.OUTPUT_TOPIC, 0, Duration.ofMinutes(2));
                    report.put("records sent at the stop", load.sent());
                    report.put("output-topic records committed at the stop", stack.tail.count(Topics.OUTPUT_TOPIC));
                    long stopping = System.nanoTime();
                    stack.broker.stop(Duration.ofSeconds(90));
                    long stopped = System.nanoTime();
                    report.put("broker shutdown took", DrillReport.seconds(stopped - stopping));
                    // While it is away: what readiness says, every half second.
                    Set<String> readinessWhileDown = new LinkedHashSet<>();
                    long downUntil = stopped + down.toNanos();
                    while (System.nanoTime() < downUntil) {
                        readinessWhileDown.add(readinessStatus(stack));
                        Thread.sleep(500); // the probe's pace, for as long as the broker stays away
                    }
                    int committedBefore = stack.tail.count(Topics.OUTPUT_TOPIC);
                    long restarting = System.nanoTime();
                    stack.broker.restart();
                    long restarted = System.nanoTime();
                    report.put("readiness while the broker was away", new ArrayList<>(readinessWhileDown));
                    report.put("broker start-up took", DrillReport.seconds(restarted - restarting));
                    long ready = DrillStack.await("Pulse ready again after the broker restart", stack.pulse::isReady,
                        Duration.ofMinutes(5));
                    report.put("pulse ready again after (s, from broker up)", DrillReport.seconds(ready - restarted));
                    long flowing = stack.awaitMore(Topics.OUTPUT_TOPIC, committedBefore, Duration.ofMinutes(5));
                    report.put("outputs again after (s, from broker up)", DrillReport.seconds(flowing - restarted));
                    report.put("outage seen by clients (s, stop to outputs again)",
                        DrillReport.seconds(flowing - stopping));
                    assertTrue(readinessWhileDown.contains("DOWN"), "readiness went DOWN while the broker was away: "
                        + readinessWhileDown);
                    load.runFor(Duration.ofSeconds(10));
                } finally {
                    load.stop();
                }
                long loadEnd = System.nanoTime();
                report.put("load duration", DrillReport.seconds(loadEnd - loadStart));
                assertTrue(stack.pulse.isAlive() && stack.pulse.pid() == pid, "the same Pulse process throughout");
                report.put("pulse restarted", false);
                stack.assertEverythingArrivedOnce(report, load, loadEnd);
                assertTrue(stack.pulse.isReady(), "ready at the end");
            } finally {
                clients.setLevel(level);
            }
        });
    }

    private static String readinessStatus(DrillStack stack) {
        var readiness = stack.readiness();
        if (readiness == null) {
            return "NO ANSWER";
        }
        return String.valueOf(OutputCheck.map(readiness.body()).get("status"));
    }
}
