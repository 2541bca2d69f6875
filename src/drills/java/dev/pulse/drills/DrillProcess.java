package dev.pulse.drills;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * The drills' Pulse ({@code dev.pulse.Application}) in a child JVM on this JVM's class path: like
 * {@link dev.pulse.testkit.PulseProcess}, and it can start again in the same slot and port after a kill. For drills that must kill it, restart
 * it or measure it apart from the test: settings as system properties and environment variables, a heap cap, output
 * in a log file, and a known HTTP port (a free one unless given), so {@link #waitUntilReady} and
 * {@link #get} can reach it.
 *
 * <pre>{@code
 * DrillProcess pulse = DrillProcess.builder("first")
 *     .property("kafka.bootstrap.servers", bootstrap)
 *     .property("redis.uri", redisUri)
 *     .heap("512m")
 *     .start();
 * pulse.waitUntilReady(Duration.ofMinutes(2));
 * pulse.sigkill();
 * }</pre>
 */
public final class DrillProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Builder settings;
    private final Process process;
    private final int port;

    private DrillProcess(Builder settings, Process process, int port) {
        this.settings = settings;
        this.process = process;
        this.port = port;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Another process with the same settings and port (the previous one must be gone). */
    public DrillProcess startAgain() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException("pid " + process.pid() + " still runs");
        }
        return settings.start(port);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public int port() {
        return port;
    }

    public Path logFile() {
        return settings.logFile;
    }

    public URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    /** A GET of {@code path}; throws {@link IOException} when nothing answers within 10 s. */
    public HttpResponse<String> get(String path) throws IOException {
        return get(path, Duration.ofSeconds(10));
    }

    /** A GET of {@code path}; throws {@link IOException} when nothing answers within {@code timeout}. */
    public HttpResponse<String> get(String path, Duration timeout) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(timeout).GET().build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Whether {@code /health/readiness} answers 200 (UP) now. */
    public boolean isReady() {
        try {
            return get("/health/readiness").statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    /**
     * Waits until {@code /health/readiness} answers UP.
     *
     * @return how long it took
     * @throws IllegalStateException when the process exits first or the time runs out (with the log's last lines)
     */
    public Duration waitUntilReady(Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Pulse (" + settings.name + ") exited with " + process.exitValue()
                    + " before it was ready; last lines of " + settings.logFile + ":\n" + logTail(40));
            }
            if (isReady()) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            sleep(250);
        }
        throw new IllegalStateException("Pulse (" + settings.name + ") not ready within " + timeout + "; last lines of "
            + settings.logFile + ":\n" + logTail(40));
    }

    /** SIGTERM: a clean shutdown; SIGKILL if it has not exited within {@code timeout}. */
    public void sigterm(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            sigkill();
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed, an open transaction stays open. */
    public void sigkill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("pid " + process.pid() + " survived SIGKILL");
        }
    }

    /** The last {@code lines} lines of the log file. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(settings.logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            sigkill();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The settings of a child Pulse; {@link #start} may be called again for another process with the same ones. */
    public static final class Builder {

        private final String name;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmArgs = new ArrayList<>();
        private String heap = "512m";
        private Path logFile;
        private int port;
        private boolean started;

        private Builder(String name) {
            this.name = name;
            this.logFile = Path.of("target", "pulse-" + name + ".log");
        }

        /** A system property ({@code -Dkey=value}); Micronaut reads them as configuration. */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public Builder properties(Map<String, String> values) {
            properties.putAll(values);
            return this;
        }

        /** An environment variable of the child, on top of this JVM's own. */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** {@code -Xmx}, e.g. {@code 512m} (the default). */
        public Builder heap(String size) {
            this.heap = size;
            return this;
        }

        public Builder jvmArg(String arg) {
            jvmArgs.add(arg);
            return this;
        }

        /** Where stdout and stderr go (default {@code target/pulse-<name>.log}); a process started again appends. */
        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        /** The HTTP port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public DrillProcess start() throws IOException {
            return start(port == 0 ? freePort() : port);
        }

        private DrillProcess start(int httpPort) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx" + heap);
            command.addAll(jvmArgs);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            Map<String, String> all = new LinkedHashMap<>(properties);
            all.put("micronaut.server.port", Integer.toString(httpPort));
            all.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("dev.pulse.Application");
            if (logFile.getParent() != null) {
                Files.createDirectories(logFile.getParent());
            }
            // The first process starts a fresh log; the ones started again append to it.
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(started ? ProcessBuilder.Redirect.appendTo(logFile.toFile())
                    : ProcessBuilder.Redirect.to(logFile.toFile()));
            started = true;
            builder.environment().putAll(env);
            return new DrillProcess(this, builder.start(), httpPort);
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }
    }
}
