package dev.pulse.drills;

import io.micronaut.serde.ObjectMapper;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A drill's figures: printed as a short summary and written to {@code target/drills/<drill>.json}, passed or not.
 */
final class DrillReport {

    private final String drill;
    private final Map<String, Object> figures = new LinkedHashMap<>();

    DrillReport(String drill) {
        this.drill = drill;
        figures.put("drill", drill);
        figures.put("started", Instant.now().toString());
    }

    DrillReport put(String name, Object value) {
        figures.put(name, value instanceof Duration d ? seconds(d) : value);
        return this;
    }

    /** Seconds with one decimal. */
    static double seconds(Duration duration) {
        return Math.round(duration.toMillis() / 100.0) / 10.0;
    }

    static double seconds(long nanos) {
        return seconds(Duration.ofNanos(nanos));
    }

    /** The body of a drill, which throws to fail it. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body}, notes whether it passed (and why not, or why it was skipped), and writes the report either way. */
    void run(Body body) throws Exception {
        try {
            body.run();
            figures.put("passed", true);
        } catch (TestAbortedException e) {
            figures.put("skipped", e.getMessage());
            throw e;
        } catch (Exception | Error e) {
            figures.put("passed", false);
            String message = String.valueOf(e.getMessage());
            figures.put("failure", e.getClass().getSimpleName() + ": "
                + (message.length() > 4000 ? message.substring(0, 4000) + "…" : message));
            throw e;
        } finally {
            write();
        }
    }

    void write() throws IOException {
        Path file = Path.of("target", "drills", drill + ".json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, ObjectMapper.getDefault().writeValueAsString(figures));
        StringBuilder summary = new StringBuilder("\n=== drill " + drill + " ===");
        figures.forEach((name, value) -> summary.append("\n  ").append(name).append(": ").append(value));
        summary.append("\n  (").append(file).append(")\n");
        System.out.println(summary);
    }
}
