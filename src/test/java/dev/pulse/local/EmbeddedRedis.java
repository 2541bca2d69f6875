package dev.pulse.local;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
    private final Path dataDir;
    private Process process;

    private EmbeddedRedis(Path binary, int port, Path dataDir) {
        this.binary = binary;
        this.port = port;
        this.dataDir = dataDir;
    }

    /** @param port the port, or 0 for any free port */
    public static EmbeddedRedis start(int port) throws IOException {
        EmbeddedRedis redis = new EmbeddedRedis(findBinary(), port == 0 ? freePort() : port, null);
        redis.start();
        return redis;
    }

    /**
     * As {@link #start(int)}, with an append-only file in {@code dataDir}: a {@link #stop()} (SIGTERM)
     * and {@link #start()} keep the data, as a managed Redis does across a restart.
     */
    public static EmbeddedRedis startPersistent(int port, Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        EmbeddedRedis redis = new EmbeddedRedis(findBinary(), port == 0 ? freePort() : port, dataDir.toAbsolutePath());
        redis.start();
        return redis;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
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
            "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
            "--protected-mode", "no", "--daemonize", "no"));
        command.addAll(dataDir == null ? List.of("--appendonly", "no")
            : List.of("--appendonly", "yes", "--appendfsync", "everysec", "--dir", dataDir.toString()));
        process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        waitUntilListening(Duration.ofSeconds(20));
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

    private void waitUntilListening(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(binary + " exited with " + process.exitValue() + " on port " + port);
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                sleep();
            }
        }
        throw new IOException("redis-server did not listen on port " + port + " within " + timeout);
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
