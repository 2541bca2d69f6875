package dev.pulse.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * Pulse in a child JVM of its own ({@code dev.pulse.Application} on the test classpath), as a container runs it:
 * configured by environment variables and/or system properties, its whole output in a log file, stopped with
 * SIGTERM (as ECS stops a task) or SIGKILL. The HTTP port is fixed before the start so that tests can probe it.
 *
 * <pre>{@code
 * try (PulseProcess pulse = PulseProcess.named("drill").properties(props).env("PULSE_LOG_FORMAT", "JSON").start()) {
 *     pulse.waitUntilReady(Duration.ofSeconds(120));
 *     int status = pulse.sigterm(Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class PulseProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PulseProcess.class);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path log;
    private final int port;

    private PulseProcess(String name, Process process, Path log, int port) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** A new child's settings; {@code name} names its log file, {@code target/pulse-<name>.log}. */
    public static Builder named(String name) {
        return new Builder(name);
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** Everything the child has written to stdout and stderr so far. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until {@code /health/readiness} answers 200; fails with the log's tail if the child exits or time runs out. */
    public PulseProcess waitUntilReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before it was ready:\n" + tail());
            }
            try {
                HttpResponse<String> readiness = get("/health/readiness");
                if (readiness.statusCode() == 200) {
                    return this;
                }
                last = readiness.statusCode() + " " + readiness.body();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            sleep(500);
        }
        throw new AssertionError(name + " not ready within " + timeout + " (last readiness: " + last + "):\n" + tail());
    }

    /** A GET to the child's HTTP server. */
    public HttpResponse<String> get(String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
    }

    /** Any request to the child's HTTP server; {@code request} without the host part. */
    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * SIGTERM, as {@code docker stop} and ECS send, then waits for the exit.
     *
     * @return the exit status (143 is a JVM that ran its shutdown hooks after SIGTERM)
     * @throws AssertionError if the child is still alive after {@code within}; it is then killed
     */
    public int sigterm(Duration within) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            throw new AssertionError(name + " still running " + within + " after SIGTERM:\n" + tail());
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, nothing flushed. */
    public void sigkill() throws InterruptedException {
        process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            sigkill();
        }
    }

    /** The last lines of the log, for failure messages. */
    public String tail() {
        List<String> lines = output().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What to start: environment, system properties, heap, logging. */
    public static final class Builder {

        private final String name;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private String heap = "384m";
        private String logbackConfiguration;

        private Builder(String name) {
            this.name = name;
        }

        /** An environment variable of the child (it inherits this JVM's environment besides). */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** A system property of the child: a Micronaut setting that wins over environment variables. */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public Builder properties(Map<String, String> settings) {
            properties.putAll(settings);
            return this;
        }

        /** Kafka and Redis of {@link TestServers}, as system properties. */
        public Builder testServers() {
            return property("kafka.bootstrap.servers", TestServers.kafkaBootstrapServers())
                .property("redis.uri", TestServers.redis().uri());
        }

        public Builder heap(String maxHeap) {
            heap = maxHeap;
            return this;
        }

        /**
         * Logs as the production jar does ({@code src/main/resources/logback.xml}) rather than with the tests'
         * {@code logback-test.xml}, which the test classpath would otherwise pick.
         */
        public Builder productionLogging() {
            var production = PulseProcess.class.getResource("/logback.xml");
            if (production == null) {
                throw new IllegalStateException("logback.xml is not on the classpath");
            }
            logbackConfiguration = production.toString();
            return this;
        }

        /** Logs with this logback configuration file. */
        public Builder logging(Path logbackXml) {
            logbackConfiguration = logbackXml.toUri().toString();
            return this;
        }

        /**
         * Starts the child on a free HTTP port, with demo traffic off and the aggregates stream's state in a
         * directory of its own (two processes cannot share one) unless set.
         */
        public PulseProcess start() throws IOException {
            int port = freePort();
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("micronaut.server.port", Integer.toString(port));
            settings.put("pulse.demo.enabled", "false");
            settings.put("kafka.streams.default.state.dir", Files.createTempDirectory("pulse-" + name + "-").toString());
            settings.putAll(properties);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx" + heap);
            command.add("-XX:TieredStopAtLevel=1");
            command.add("-XX:+UseSerialGC");
            if (logbackConfiguration != null) {
                command.add("-Dlogback.configurationFile=" + logbackConfiguration);
            }
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("dev.pulse.Application");
            Path log = Path.of("target", "pulse-" + name + ".log");
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            builder.environment().putAll(env);
            Process process = builder.start();
            LOG.info("Started Pulse '{}' (pid {}, port {}), log in {}", name, process.pid(), port, log);
            return new PulseProcess(name, process, log, port);
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }
    }
}
