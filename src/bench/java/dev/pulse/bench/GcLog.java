package dev.pulse.bench;

import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * The GC log of a JVM the driver starts (Pulse, the plain Kafka Streams peer, a Kafka tool): its options give the
 * child a GC log at {@code <dir>/<name>-gc.log} and make it exit on an OutOfMemoryError, so the heap after each
 * collection can be followed over the child's life.
 */
final class GcLog {

    /** {@code [12.345s] ... GC(7) Pause Young (Normal) (G1 Evacuation Pause) 150M->31M(512M) 4.2ms}. */
    private static final Pattern GC_LINE = Pattern.compile("^\\[(\\d+(?:\\.\\d+)?)s\\].*GC\\((\\d+)\\) (.*?) (\\d+)M->(\\d+)M\\((\\d+)M\\)");

    private final Path file;
    private final String heap;
    private final List<String> jvmOptions;

    private GcLog(Path file, String heap, List<String> jvmOptions) {
        this.file = file;
        this.heap = heap;
        this.jvmOptions = jvmOptions;
    }

    /** The GC log of the child {@code name} with a heap of {@code heap} ({@code -Xmx}), in {@code dir}. */
    static GcLog of(Path dir, String name, String heap) {
        Path file = dir.resolve(name + "-gc.log");
        List<String> options = new ArrayList<>(List.of("-XX:+ExitOnOutOfMemoryError",
            "-Xlog:gc:file=" + file.toAbsolutePath() + ":uptime"));
        // Extra options for profiling, e.g. -Dbench.jvm-options="-XX:StartFlightRecording=filename=target/{name}.jfr";
        // {name} is the child's name, so each child writes its own recording.
        String extra = System.getProperty("bench.jvm-options", "").trim();
        if (!extra.isEmpty()) {
            for (String option : extra.split("\\s+")) {
                options.add(option.replace("{name}", name));
            }
        }
        return new GcLog(file, heap, List.copyOf(options));
    }

    /** The child's JVM options besides its heap. */
    List<String> jvmOptions() {
        return jvmOptions;
    }

    /** Every collection so far: uptime (s), heap after it (MB), and what kind of pause it was. */
    List<GcEvent> events() {
        List<GcEvent> events = new ArrayList<>();
        try {
            if (!Files.exists(file)) {
                return events;
            }
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                Matcher m = GC_LINE.matcher(line);
                if (m.find()) {
                    events.add(new GcEvent(Double.parseDouble(m.group(1)), Integer.parseInt(m.group(2)), m.group(3),
                        Long.parseLong(m.group(5)), Long.parseLong(m.group(6))));
                }
            }
        } catch (IOException e) {
            // a log being rotated or written: what was read so far will do
        }
        return events;
    }

    /**
     * A full collection now in the process {@code pid} ({@code jcmd <pid> GC.run}), then the heap it left: the live
     * set, the figure that must not grow over a soak.
     *
     * @return MB after that collection, or -1 when none was seen within 30 s
     */
    long heapAfterFullGc(long pid) throws IOException, InterruptedException {
        int before = events().stream().mapToInt(GcEvent::id).max().orElse(-1);
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
            Long.toString(pid), "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        jcmd.waitFor(60, TimeUnit.SECONDS);
        long[] after = {-1};
        try {
            await("a full GC in " + file).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    for (GcEvent event : events()) {
                        // G1 logs it as "Pause Full (Diagnostic Command)"
                        if (event.id() > before && event.kind().startsWith("Pause Full")) {
                            after[0] = event.afterMb();
                            return true;
                        }
                    }
                    return false;
                });
        } catch (ConditionTimeoutException none) {
            // reported as -1
        }
        return after[0];
    }

    /** The heap-after-GC series for the results: at most {@code points} samples, plus its peak and last. */
    Map<String, Object> report(int points) {
        List<GcEvent> events = events();
        Map<String, Object> report = new LinkedHashMap<>();
        List<String> options = new ArrayList<>();
        options.add("-Xmx" + heap);
        options.addAll(jvmOptions);
        report.put("jvm_options", options);
        report.put("gc_log", file.toString());
        report.put("collections", events.size());
        report.put("max_after_gc_mb", events.stream().mapToLong(GcEvent::afterMb).max().orElse(-1));
        report.put("last_after_gc_mb", events.isEmpty() ? -1 : events.get(events.size() - 1).afterMb());
        report.put("heap_committed_mb", events.isEmpty() ? -1 : events.get(events.size() - 1).committedMb());
        List<List<Number>> series = new ArrayList<>();
        int step = Math.max(1, events.size() / Math.max(1, points));
        for (int i = 0; i < events.size(); i += step) {
            GcEvent e = events.get(i);
            series.add(List.of(e.uptimeSeconds(), e.afterMb()));
        }
        report.put("after_gc_mb_by_uptime_s", series);
        return report;
    }

    record GcEvent(double uptimeSeconds, int id, String kind, long afterMb, long committedMb) {
    }
}
