package dev.pulse.testkit;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * Pulse ({@code dev.pulse.Application}) in a child JVM of its own, as a container runs it: configured by environment
 * variables and/or system properties, its HTTP server bound to a known address and port through
 * {@code MICRONAUT_SERVER_HOST} and {@code MICRONAUT_SERVER_PORT} (the environment a deployment sets), its whole
 * output in a log file, stopped with SIGTERM (as ECS stops a task) or SIGKILL, and started again in the same slot
 * (settings, address, port, state directory and log) as a supervisor restarts it. The one launcher of Pulse for the
 * tests, the fault drills and the load driver.
 *
 * <pre>{@code
 * try (PulseProcess pulse = PulseProcess.named("drill").testServers().env("PULSE_LOG_FORMAT", "JSON").start()) {
 *     pulse.waitUntilReady(Duration.ofSeconds(120));
 *     pulse.sigkill();
 *     pulse.restart();
 *     int status = pulse.sigterm(Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class PulseProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PulseProcess.class);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final ChildJvm jvm;
    private final String host;
    private final int port;

    private PulseProcess(ChildJvm jvm, String host, int port) {
        this.jvm = jvm;
        this.host = host;
        this.port = port;
    }

    /** A new child's settings; {@code name} names its log file, {@code target/pulse-<name>.log} unless set. */
    public static Builder named(String name) {
        return new Builder(name);
    }

    public String name() {
        return jvm.name();
    }

    /** The address its HTTP server is bound to. */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return jvm.pid();
    }

    public boolean isAlive() {
        return jvm.isAlive();
    }

    public Path log() {
        return jvm.log();
    }

    /** The child JVM underneath. */
    public ChildJvm jvm() {
        return jvm;
    }

    /** Everything the child (and those started again in its slot) has written to stdout and stderr so far. */
    public String output() {
        return jvm.output();
    }

    /** The last {@code lines} lines of the log, for failure messages. */
    public String logTail(int lines) {
        return jvm.logTail(lines);
    }

    /** {@code http://<host>:<port><path>}. */
    public URI uri(String path) {
        return URI.create("http://" + host + ":" + port + path);
    }

    /** A GET to the child's HTTP server; throws {@link IOException} when nothing answers within 10 s. */
    public HttpResponse<String> get(String path) throws IOException {
        return get(path, REQUEST_TIMEOUT);
    }

    /** A GET to the child's HTTP server; throws {@link IOException} when nothing answers within {@code timeout}. */
    public HttpResponse<String> get(String path, Duration timeout) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).timeout(timeout).GET());
    }

    /** Any request; 10 s to answer unless the request sets its own timeout. */
    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        HttpRequest built = request.build();
        if (built.timeout().isEmpty()) {
            built = request.timeout(REQUEST_TIMEOUT).build();
        }
        try {
            return HTTP.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
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
     * Waits until {@code /health/readiness} answers 200.
     *
     * @return how long it took
     * @throws AssertionError when the child exits first or the time runs out, with the log's last lines
     */
    public Duration waitUntilReady(Duration timeout) {
        long start = System.nanoTime();
        try {
            await("Pulse '" + name() + "' ready").atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(250))
                .failFast("exited", () -> !jvm.isAlive())
                .until(this::isReady);
        } catch (TerminalFailureException exited) {
            throw new AssertionError(name() + " exited before it was ready; last lines of " + log() + ":\n"
                + logTail(60));
        } catch (ConditionTimeoutException late) {
            throw new AssertionError(name() + " not ready within " + timeout + "; last lines of " + log() + ":\n"
                + logTail(60));
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * SIGTERM, as {@code docker stop} and ECS send, then waits for the exit.
     *
     * @return the exit status (143 is a JVM that ran its shutdown hooks after SIGTERM)
     * @throws AssertionError if the child is still alive after {@code within}; it is then killed
     */
    public int sigterm(Duration within) throws InterruptedException {
        return jvm.sigterm(within);
    }

    /** SIGTERM, and SIGKILL if it has not exited within {@code within}. */
    public void stop(Duration within) throws InterruptedException {
        jvm.stop(within);
    }

    /** SIGKILL: no shutdown hook, nothing flushed, an open transaction left open. */
    public void sigkill() throws InterruptedException {
        jvm.sigkill();
    }

    /**
     * Starts Pulse again in the same slot: the same settings (its instance id among them, so it fences the open
     * transactions of the one before), address, port, state directory and log. The one before must be gone.
     */
    public void restart() throws IOException {
        jvm.restart();
        LOG.info("Started Pulse '{}' again (pid {}, {}:{})", name(), jvm.pid(), host, port);
    }

    @Override
    public void close() throws InterruptedException {
        jvm.close();
    }

    /** What to start: environment, system properties, address and port, heap and JVM options, logging. */
    public static final class Builder {

        private final String name;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private String heap = "384m";
        // A small JVM that starts quickly: the tests' Pulse serves a handful of records.
        private List<String> jvmOptions = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
        private List<String> classpath;
        private String logbackConfiguration;
        private Path logFile;
        private String host = "127.0.0.1";
        private int port;

        private Builder(String name) {
            this.name = name;
            this.logFile = Path.of("target", "pulse-" + name + ".log");
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

        /** {@code -Xmx}; 384m unless set. */
        public Builder heap(String maxHeap) {
            heap = maxHeap;
            return this;
        }

        /**
         * JVM options besides the heap, in place of the default ones ({@code -XX:TieredStopAtLevel=1
         * -XX:+UseSerialGC}, quick to start); an empty list runs the JVM's own defaults, as production does.
         */
        public Builder jvmOptions(List<String> options) {
            jvmOptions = List.copyOf(options);
            return this;
        }

        /** The class path; this JVM's (the test class path) unless set, for example to Pulse's runtime class path. */
        public Builder classpath(List<String> entries) {
            classpath = List.copyOf(entries);
            return this;
        }

        /** Where stdout and stderr go; {@code target/pulse-<name>.log} unless set. */
        public Builder logFile(Path file) {
            logFile = file;
            return this;
        }

        /**
         * Binds the HTTP server to {@code address} ({@code MICRONAUT_SERVER_HOST}), for example {@code 127.0.0.2}
         * to run several instances on one port, each on a loopback address of its own; 127.0.0.1 unless set.
         */
        public Builder host(String address) {
            host = address;
            return this;
        }

        /** The HTTP port ({@code MICRONAUT_SERVER_PORT}); 0, the default, takes one that is free on the address. */
        public Builder port(int httpPort) {
            port = httpPort;
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
         * Starts the child, without waiting for it, with demo traffic off and the aggregates stream's state in a
         * directory of its own (two processes cannot share one), unless set.
         */
        public PulseProcess start() throws IOException {
            int httpPort = port != 0 ? port : Ports.free(host);
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("pulse.demo.enabled", "false");
            if (!properties.containsKey("kafka.streams.default.state.dir")) {
                settings.put("kafka.streams.default.state.dir",
                    Files.createTempDirectory("pulse-" + name + "-").toString());
            }
            settings.putAll(properties);
            if (logbackConfiguration != null) {
                settings.put("logback.configurationFile", logbackConfiguration);
            }
            ChildJvm.Builder child = ChildJvm.builder(name, "dev.pulse.Application")
                .heap(heap).jvmOptions(jvmOptions).logFile(logFile).properties(settings);
            if (classpath != null) {
                child.classpath(classpath);
            }
            env.forEach(child::env);
            child.env("MICRONAUT_SERVER_HOST", host).env("MICRONAUT_SERVER_PORT", Integer.toString(httpPort));
            ChildJvm jvm = child.start();
            LOG.info("Started Pulse '{}' (pid {}, {}:{}), log in {}", name, jvm.pid(), host, httpPort, logFile);
            return new PulseProcess(jvm, host, httpPort);
        }
    }
}
