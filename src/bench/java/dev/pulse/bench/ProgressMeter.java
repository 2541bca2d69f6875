package dev.pulse.bench;

import dev.pulse.testkit.ChildJvm;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Times how fast a consumer works through preloaded input, from outside: it samples a progress figure (input units
 * that the committed outputs account for) until the work is done and checked. The rate is taken from the first
 * sample that shows progress to the end, {@code (total − progress at first sample) / (end − first sample)}, so the
 * process's start-up and its first commit interval are left out and only sustained processing is measured.
 */
final class ProgressMeter {

    interface Probe {
        /** Polls (blocking up to about 200 ms) and returns the units done so far, as committed outputs show them. */
        long progress() throws Exception;

        /** Everything is processed and the outputs are exactly what was expected. */
        boolean done() throws Exception;

        /** Where it stands, for a failure message. */
        String describe();
    }

    private ProgressMeter() {
    }

    /**
     * @param total  units of the whole input
     * @param stall  fail when progress has not moved for this long
     * @param alive  checked between samples: the process doing the work is still running
     */
    static Result measure(String what, long total, Probe probe, Duration stall, ChildJvm alive) throws Exception {
        long launched = System.nanoTime();
        long firstAt = -1;
        long firstProgress = 0;
        long lastChangeAt = System.nanoTime();
        long last = -1;
        while (true) {
            long progress = probe.progress();
            long now = System.nanoTime();
            if (progress != last) {
                last = progress;
                lastChangeAt = now;
            }
            if (firstAt < 0 && progress > 0) {
                firstAt = now;
                firstProgress = progress;
            }
            if (probe.done()) {
                return new Result(what, total, (firstAt - launched) / 1e9, firstProgress, (now - launched) / 1e9);
            }
            if (alive != null && !alive.isAlive()) {
                throw new BenchFailure(what + ": " + alive.name() + " exited before it was done (" + probe.describe()
                    + "); its log ends:\n" + alive.logTail(30));
            }
            if (now - lastChangeAt > stall.toNanos()) {
                throw new BenchFailure(what + ": no progress for " + stall.toSeconds() + " s: " + probe.describe());
            }
        }
    }

    /**
     * @param firstSeconds   seconds from the start of the measurement (the process's launch) to the first progress
     * @param firstProgress  units done at that first sample
     * @param doneSeconds    seconds from the start to done
     */
    record Result(String what, long total, double firstSeconds, long firstProgress, double doneSeconds) {

        double windowSeconds() {
            return doneSeconds - firstSeconds;
        }

        /** Units per second over the window; NaN when the window is empty (all done by the first sample). */
        double rate() {
            return windowSeconds() > 0 ? (total - firstProgress) / windowSeconds() : Double.NaN;
        }

        Map<String, Object> describe(String unit) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put(unit + "_per_s", rate());
            d.put(unit, total);
            d.put("measured_" + unit, total - firstProgress);
            d.put("window_s", windowSeconds());
            d.put("launch_to_first_output_s", firstSeconds);
            d.put("launch_to_done_s", doneSeconds);
            if (windowSeconds() < 5) {
                d.put("note", "window under 5 s: too short for a steady figure (raise the preload)");
            }
            return d;
        }
    }
}
