package dev.pulse.drills;

import dev.pulse.drills.OutputTail.Out;
import dev.pulse.kafka.Topics;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drill 4: a barrage of invalid records of every kind ({@link BadRecords}: per input topic, not JSON, wrong types,
 * missing fields, empty, binary, above 256 KB, invalid UTF-8, arrays, NaN and Infinity, deep nesting…) interleaved
 * with valid ones. Every invalid record lands in the dead-letter queue exactly once with a reason, every valid one is
 * processed, and Pulse gets through the valid records at no less than half the rate of a clean run of the same
 * traffic measured just before it on the same Pulse.
 *
 * <p>Each run is sent flat out and timed from its first record to the moment every expected output is committed.
 * A warm-up run comes first so neither measured run pays for the JIT. Settings: {@code -Ddrill.barrage.steps}
 * (steps a run, 5000; a step is about 8 valid records), {@code -Ddrill.barrage.bad-per-step} (invalid records a
 * step in the barrage, 2: one record in five).
 */
@Tag("drill")
class BadInputDrill {

    @Test
    void everyInvalidRecordIsDeadLetteredOnceAndValidOnesKeepTheirPace() throws Exception {
        int steps = Integer.getInteger("drill.barrage.steps", 5000);
        double badPerStep = Double.parseDouble(System.getProperty("drill.barrage.bad-per-step", "2"));
        DrillReport report = new DrillReport("bad-input").put("steps a run (~8 valid records each)", steps)
            .put("invalid records a step in the barrage", badPerStep);
        report.run(() -> {
            try (DrillStack stack = DrillStack.start("bad-input", false, Map.of())) {
                report.put("pulse startup", stack.pulseStartup);
                long base = System.currentTimeMillis() / 1000;
                BadRecords bad = new BadRecords(true);
                report.put("invalid kinds in the corpus", bad.kinds());

                Run warmUp = run(stack, new Load(stack.producer, new Traffic("warm", base, stack.expected), null, 0,
                    stack.expected), Math.max(100, steps / 5));
                report.put("warm-up", warmUp.figures());
                Run clean = run(stack, new Load(stack.producer, new Traffic("clean", base, stack.expected), null, 0,
                    stack.expected), steps);
                report.put("clean run", clean.figures());
                Load barrageLoad = new Load(stack.producer, new Traffic("barrage", base, stack.expected), bad, badPerStep,
                    stack.expected);
                Run barrage = run(stack, barrageLoad, steps);
                report.put("barrage run", barrage.figures());
                double ratio = clean.goodPerSecond() / barrage.goodPerSecond();
                report.put("clean / barrage (valid records/s)", Math.round(ratio * 100) / 100.0);
                report.put("outputs expected", stack.expected.sizes());
                report.put("output records read", stack.check.checked());
                report.put("dead letters per source topic", perSourceTopic(stack));
                report.put("a reason per kind (sample)", reasons(stack));
                long end = System.nanoTime();
                stack.assertEverythingArrivedOnce(report, barrageLoad, end);
                assertTrue(ratio <= 2.0, "valid records went through the barrage at %.0f/s, the clean run at %.0f/s: "
                    .formatted(barrage.goodPerSecond(), clean.goodPerSecond()) + "more than 2× slower");
            }
        });
    }

    /** A measured run: valid records, invalid ones, and how long until every expected output was committed. */
    private record Run(long good, long bad, long nanos) {
        double goodPerSecond() {
            return good / (nanos / 1e9);
        }

        Map<String, Object> figures() {
            Map<String, Object> figures = new java.util.LinkedHashMap<>();
            figures.put("valid records", good);
            figures.put("invalid records", bad);
            figures.put("seconds", DrillReport.seconds(nanos));
            figures.put("valid records/s", Math.round(goodPerSecond()));
            return figures;
        }
    }

    private static Run run(DrillStack stack, Load load, int steps) throws Exception {
        long start = System.nanoTime();
        load.sendAll(steps);
        DrillStack.await("every output of the run", () -> stack.check.matches(true), Duration.ofMinutes(4));
        long nanos = System.nanoTime() - start;
        assertTrue(load.failures().isEmpty(), "the drill's producer lost nothing: " + load.failures());
        return new Run(load.goodAcked(), load.badAcked(), nanos);
    }

    private static Map<String, Long> perSourceTopic(DrillStack stack) {
        Map<String, Long> counts = new TreeMap<>();
        for (Out letter : stack.tail.records(Topics.DEAD_LETTER_QUEUE)) {
            counts.merge(String.valueOf(letter.headers().get("pulse.source.topic")), 1L, Long::sum);
        }
        return counts;
    }

    /** One dead letter's reason per source topic and kind of invalid record, for the report. */
    private static Map<String, String> reasons(DrillStack stack) {
        Map<String, String> byCoordinates = new java.util.HashMap<>();
        for (Out letter : stack.tail.records(Topics.DEAD_LETTER_QUEUE)) {
            Map<String, String> headers = letter.headers();
            byCoordinates.put(headers.get("pulse.source.topic") + "-" + headers.get("pulse.source.partition") + "@"
                + headers.get("pulse.source.offset"), headers.get("pulse.error"));
        }
        Map<String, String> reasons = new TreeMap<>();
        synchronized (stack.expected) {
            stack.expected.deadLetters.values().forEach(sent -> reasons.putIfAbsent(sent.topic() + " / " + sent.kind(),
                String.valueOf(byCoordinates.get(sent.coordinates()))));
        }
        return reasons;
    }
}
