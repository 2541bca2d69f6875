package dev.pulse.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM the driver starts (Pulse, the plain Kafka Streams peer, a Kafka tool) with a capped heap and a GC log, so
 * the heap after each collection can be followed over its life. Its output goes to {@code <dir>/<name>.log}.
 */
final class ChildJvm implements AutoCloseable {

    /** {@code [12.345s] ... GC(7) Pause Young (Normal) (G1 Evacuation Pause) 150M->31M(512M) 4.2ms}. */
    private static final Pattern GC_LINE = Pattern.compile("^\\[(\\d+(?:\\.\\d+)?)s\\].*GC\\((\\d+)\\) (.*?) (\\d+)M->(\\d+)M\\((\\d+)M\\)");

    private final String name;
    private final Process process;
    private final Path log;
    private final Path gcLog;
    private final List<String> jvmOptions;
    private final long startedNanos = System.nanoTime();

    private ChildJvm(String name, Process process, Path log, Path gcLog, List<String> jvmOptions) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.gcLog = gcLog;
        this.jvmOptions = jvmOptions;
    }

    /**
     * @param classpath  entries of the child's classpath
     * @param properties system properties ({@code -Dk=v})
     */
    static ChildJvm start(String name, Path dir, String heap, List<String> classpath, Map<String, String> properties,
                          String mainClass, List<String> args) throws IOException {
        Files.createDirectories(dir);
        Path log = dir.resolve(name + ".log");
        Path gcLog = dir.resolve(name + "-gc.log");
        List<String> options = new ArrayList<>(List.of("-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError",
            "-Xlog:gc:file=" + gcLog.toAbsolutePath() + ":uptime"));
        // Extra options for profiling, e.g. -Dbench.jvm-options="-XX:StartFlightRecording=filename=target/{name}.jfr";
        // {name} is the child's name, so each child writes its own recording.
        String extra = System.getProperty("bench.jvm-options", "").trim();
        if (!extra.isEmpty()) {
            for (String option : extra.split("\\s+")) {
                options.add(option.replace("{name}", name));
            }
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.add("-cp");
        command.add(String.join(java.io.File.pathSeparator, classpath));
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add(mainClass);
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        return new ChildJvm(name, process, log, gcLog, options);
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    double uptimeSeconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** Waits for the process to end by itself; -1 when it did not within the time. */
    int waitFor(long timeoutSeconds) throws InterruptedException {
        return process.waitFor(timeoutSeconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    /** SIGTERM (a clean shutdown), then SIGKILL if it takes longer than a minute. */
    void stop() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    String logTail(int lines) {
        List<String> all = output().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Every collection so far: uptime (s), heap after it (MB), and what kind of pause it was. */
    List<GcEvent> gcEvents() {
        List<GcEvent> events = new ArrayList<>();
        try {
            if (!Files.exists(gcLog)) {
                return events;
            }
            for (String line : Files.readAllLines(gcLog, StandardCharsets.UTF_8)) {
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
     * A full collection now ({@code jcmd <pid> GC.run}), then the heap it left: the live set, the figure that must
     * not grow over a soak.
     *
     * @return MB after that collection, or -1 when none was seen
     */
    long heapAfterFullGc() throws IOException, InterruptedException {
        int before = gcEvents().stream().mapToInt(GcEvent::id).max().orElse(-1);
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
            Long.toString(pid()), "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        jcmd.waitFor(60, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (GcEvent event : gcEvents()) {
                // G1 logs it as "Pause Full (Diagnostic Command)"
                if (event.id() > before && event.kind().startsWith("Pause Full")) {
                    return event.afterMb();
                }
            }
            Thread.sleep(200);
        }
        return -1;
    }

    /** The heap-after-GC series for the results: at most {@code points} samples, plus its peak and last. */
    Map<String, Object> heapReport(int points) {
        List<GcEvent> events = gcEvents();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("jvm_options", jvmOptions);
        report.put("gc_log", gcLog.toString());
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
