package dev.pulse.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Java program in a child JVM of its own: a main class on a class path (this JVM's unless given), a capped heap,
 * system properties and environment variables, its whole output in a log file, stopped with SIGTERM (as
 * {@code docker stop} and ECS stop a task) or SIGKILL, and started again with the same settings once it is gone.
 * {@link PulseProcess} runs Pulse on it; the load driver runs Kafka's performance tools and its plain Streams peer
 * on it.
 *
 * <pre>{@code
 * try (ChildJvm tool = ChildJvm.builder("producer-perf", "org.apache.kafka.tools.ProducerPerformance")
 *         .args(List.of("--topic", "t", "--num-records", "1000")).heap("512m").start()) {
 *     int exit = tool.waitFor(Duration.ofMinutes(10));
 * }
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {

    private final Builder settings;
    private Process process;

    private ChildJvm(Builder settings, Process process) {
        this.settings = settings;
        this.process = process;
    }

    /** A child running {@code mainClass}; {@code name} names its log file, {@code target/<name>.log} unless set. */
    public static Builder builder(String name, String mainClass) {
        return new Builder(name, mainClass);
    }

    public String name() {
        return settings.name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The log file: stdout and stderr of every process started in this slot. */
    public Path log() {
        return settings.logFile;
    }

    /** Everything written to the log so far; empty when there is no log yet. */
    public String output() {
        try {
            return Files.exists(settings.logFile) ? Files.readString(settings.logFile, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last {@code lines} lines of the log, for failure messages. */
    public String logTail(int lines) {
        try {
            List<String> all = output().lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (UncheckedIOException e) {
            return "(log unreadable: " + e.getCause() + ")";
        }
    }

    /** Waits for the program to end by itself; its exit status, or -1 when it has not ended within {@code timeout}. */
    public int waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /**
     * SIGTERM, then waits for the exit.
     *
     * @return the exit status (143 is a JVM that ran its shutdown hooks after SIGTERM)
     * @throws AssertionError if it is still running after {@code within}; it is then killed
     */
    public int sigterm(Duration within) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            sigkill();
            throw new AssertionError(settings.name + " still running " + within + " after SIGTERM:\n" + logTail(60));
        }
        return process.exitValue();
    }

    /** SIGTERM, and SIGKILL if it has not exited within {@code within}: stopped either way, without a verdict. */
    public void stop(Duration within) throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            sigkill();
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed, an open transaction stays open. */
    public void sigkill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(settings.name + " (pid " + process.pid() + ") survived SIGKILL");
        }
    }

    /** Starts the program again with the same settings, its output appended to the same log; the last one must be gone. */
    public void restart() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException(settings.name + " (pid " + process.pid() + ") still runs");
        }
        process = settings.launch(true);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            sigkill();
        }
    }

    /** What to start. */
    public static final class Builder {

        private final String name;
        private final String mainClass;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private List<String> classpath = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        private String heap = "512m";
        private Path logFile;

        private Builder(String name, String mainClass) {
            this.name = name;
            this.mainClass = mainClass;
            this.logFile = Path.of("target", name + ".log");
        }

        public Builder args(List<String> values) {
            args.addAll(values);
            return this;
        }

        /** A system property ({@code -Dkey=value}). */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public Builder properties(Map<String, String> values) {
            properties.putAll(values);
            return this;
        }

        /** An environment variable of the child, on top of this JVM's environment, which it inherits. */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** {@code -Xmx}, for example {@code 512m} (the default). */
        public Builder heap(String maxHeap) {
            heap = maxHeap;
            return this;
        }

        /** JVM options besides the heap, in place of any set before. */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.clear();
            jvmOptions.addAll(options);
            return this;
        }

        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        /** The class path entries; this JVM's own class path unless set. */
        public Builder classpath(List<String> entries) {
            classpath = List.copyOf(entries);
            return this;
        }

        /** Where stdout and stderr go ({@code target/<name>.log} unless set); a process started again appends. */
        public Builder logFile(Path file) {
            logFile = file;
            return this;
        }

        public ChildJvm start() throws IOException {
            return new ChildJvm(this, launch(false));
        }

        private Process launch(boolean again) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx" + heap);
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(String.join(File.pathSeparator, classpath));
            properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add(mainClass);
            command.addAll(args);
            if (logFile.getParent() != null) {
                Files.createDirectories(logFile.getParent());
            }
            // The first process starts a fresh log; the ones started again in its slot append to it.
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(again ? ProcessBuilder.Redirect.appendTo(logFile.toFile())
                    : ProcessBuilder.Redirect.to(logFile.toFile()));
            builder.environment().putAll(env);
            return builder.start();
        }
    }
}
