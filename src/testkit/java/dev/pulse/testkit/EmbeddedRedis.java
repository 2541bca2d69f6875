package dev.pulse.testkit;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code redis-server} process on loopback: the one on the PATH when there is one, else the
 * Linux build that {@code com.github.codemonstur:embedded-redis} ships. No persistence, unless started
 * with a data directory ({@link #startPersistent}). It can be stopped and started again on the same
 * port, for tests of Redis outages.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private static final String SHIPPED_BINARY = "redis-server-6.2.6-v5-linux-amd64";

    private final Path binary;
    private final int port;
    private final boolean tls;
    private final List<String> options;
    private Process process;
    private final StringBuilder output = new StringBuilder();

    private EmbeddedRedis(Path binary, int port, boolean tls, List<String> options) {
        this.binary = binary;
        this.port = port;
        this.tls = tls;
        this.options = List.copyOf(options);
    }

    /** @param port the port, or 0 for any free port */
    public static EmbeddedRedis start(int port) throws IOException {
        return start(port, false, List.of());
    }

    /**
     * A server with more {@code redis-server} options, for example {@code --requirepass}, {@code --user} or the
     * {@code --tls-*} files.
     *
     * @param tls serve TLS only, on {@code port} ({@code --tls-port}; the plain port is off)
     */
    public static EmbeddedRedis start(int port, boolean tls, List<String> options) throws IOException {
        EmbeddedRedis redis = new EmbeddedRedis(findBinary(), port == 0 ? Ports.free() : port, tls, options);
        redis.start();
        return redis;
    }

    /**
     * As {@link #start(int)}, with an append-only file in {@code dataDir}: a {@link #stop()} (SIGTERM)
     * and {@link #start()} keep the data, as a managed Redis does across a restart. (Later options
     * override earlier ones on {@code redis-server}'s command line.)
     */
    public static EmbeddedRedis startPersistent(int port, Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        return start(port, false, List.of("--appendonly", "yes", "--appendfsync", "everysec",
            "--dir", dataDir.toAbsolutePath().toString()));
    }

    /** {@code redis://} or, for a TLS server, {@code rediss://}, without credentials. */
    public String uri() {
        return (tls ? "rediss" : "redis") + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Where the server binary came from: a path on the PATH, or the shipped build. */
    public Path binary() {
        return binary;
    }

    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new java.util.ArrayList<>(List.of(binary.toString(),
            "--port", tls ? "0" : Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no"));
        if (tls) {
            command.addAll(List.of("--tls-port", Integer.toString(port)));
        }
        command.addAll(options);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Process started = process;
        Thread reader = new Thread(() -> keepOutput(started), "redis-server-output-" + port);
        reader.setDaemon(true);
        reader.start();
        waitUntilListening(Duration.ofSeconds(20), reader);
    }

    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    /** The server's last lines of output (kept, not printed), for a test that explains why it could not start. */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    private void keepOutput(Process from) {
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(from.getInputStream(),
            java.nio.charset.StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                synchronized (output) {
                    output.append(line).append('\n');
                    if (output.length() > 8192) {
                        output.delete(0, output.length() - 8192);
                    }
                }
            }
        } catch (IOException closed) {
            // the server stopped
        }
    }

    private void waitUntilListening(Duration timeout, Thread reader) throws IOException {
        try {
            await("redis-server listening on port " + port).atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(50))
                .failFast("exited", () -> !process.isAlive())
                .until(() -> {
                    try (Socket socket = new Socket("127.0.0.1", port)) {
                        return true;
                    } catch (IOException notYet) {
                        return false;
                    }
                });
        } catch (TerminalFailureException exited) {
            try {
                reader.join(2000); // the reader takes the last lines the server wrote
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException(binary + " exited with " + process.exitValue() + " on port " + port + ": " + output());
        } catch (ConditionTimeoutException late) {
            throw new IOException("redis-server did not listen on port " + port + " within " + timeout);
        }
    }

    private static Path findBinary() throws IOException {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path target = Path.of(System.getProperty("java.io.tmpdir"), "pulse-" + SHIPPED_BINARY);
        if (!Files.isExecutable(target)) {
            try (InputStream in = EmbeddedRedis.class.getClassLoader().getResourceAsStream(SHIPPED_BINARY)) {
                if (in == null) {
                    throw new IOException("no redis-server on the PATH and no " + SHIPPED_BINARY + " on the classpath");
                }
                Path tmp = Files.createTempFile("pulse-redis", ".bin");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                tmp.toFile().setExecutable(true);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return target;
    }

}
