package dev.pulse.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real load balancer in front of Pulse instances, standing in for the ALB of the ECS deployment: Debian's
 * {@code haproxy}, spreading requests round-robin over every target that passes the health check on the path the
 * ALB checks ({@code infra/}: {@code /health/liveness}), every second, out after two failures and back in after two
 * successes. It neither retries nor re-dispatches a failed request, as the ALB does not.
 *
 * <pre>{@code
 * try (LoadBalancer lb = LoadBalancer.start(dir, List.of(a, b, c), "/health/liveness")) {
 *     lb.awaitInService(Duration.ofMinutes(2));
 *     http.send(HttpRequest.newBuilder(lb.uri().resolve("/api/words?top=10")).build(), ...);
 * }
 * }</pre>
 */
public final class LoadBalancer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LoadBalancer.class);
    private static final List<Path> BINARIES = List.of(Path.of("/usr/sbin/haproxy"), Path.of("/usr/bin/haproxy"));

    private final Process process;
    private final Path socket;
    private final Path log;
    private final int port;
    private final List<InetSocketAddress> targets;

    private LoadBalancer(Process process, Path socket, Path log, int port, List<InetSocketAddress> targets) {
        this.process = process;
        this.socket = socket;
        this.log = log;
        this.port = port;
        this.targets = List.copyOf(targets);
    }

    /** The haproxy binary, or null where it is not installed ({@code .ci/run} installs it). */
    public static Path binary() {
        return BINARIES.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    /**
     * Starts haproxy on a free loopback port in front of {@code targets}; its configuration, stats socket and log go
     * to {@code dir}.
     */
    public static LoadBalancer start(Path dir, List<InetSocketAddress> targets, String healthPath) {
        Path haproxy = binary();
        if (haproxy == null) {
            throw new IllegalStateException("haproxy is not installed (apt-get install haproxy)");
        }
        try {
            Files.createDirectories(dir);
            Path socket = dir.resolve("haproxy.sock");
            Files.deleteIfExists(socket);
            Path config = dir.resolve("haproxy.cfg");
            int port = freePort();
            Files.writeString(config, config(port, socket, targets, healthPath));
            Path log = dir.resolve("haproxy.log");
            Process process = new ProcessBuilder(haproxy.toString(), "-db", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
            LoadBalancer lb = new LoadBalancer(process, socket, log, port, targets);
            await("haproxy's stats socket").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("haproxy exited: " + Files.readString(log));
                    }
                    return Files.exists(socket);
                });
            LOG.info("haproxy on {} in front of {} (health check GET {})", lb.uri(), targets, healthPath);
            return lb;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String config(int port, Path socket, List<InetSocketAddress> targets, String healthPath) {
        StringBuilder cfg = new StringBuilder("""
            global
              stats socket %s mode 600 level admin
              maxconn 4096
            defaults
              mode http
              timeout connect 2s
              timeout client 60s
              timeout server 60s
              retries 0
            frontend pulse
              bind 127.0.0.1:%d
              default_backend pulse
            backend pulse
              balance roundrobin
              option httpchk GET %s
              http-check expect status 200
              default-server inter 1s fall 2 rise 2
            """.formatted(socket, port, healthPath));
        for (int i = 0; i < targets.size(); i++) {
            InetSocketAddress target = targets.get(i);
            cfg.append("  server pulse-").append(i + 1).append(' ')
                .append(target.getHostString()).append(':').append(target.getPort()).append(" check\n");
        }
        return cfg.toString();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public List<InetSocketAddress> targets() {
        return targets;
    }

    /**
     * Each target's state as haproxy's health checks see it ({@code UP}, {@code DOWN}, {@code UP 1/2}, …), or
     * {@code MAINT} while deregistered.
     */
    public Map<String, String> targetStates() {
        return stat("status");
    }

    /** One column of haproxy's statistics ({@code show stat}) for each target, by its address. */
    private Map<String, String> stat(String column) {
        String csv = command("show stat");
        Map<String, String> values = new LinkedHashMap<>();
        List<String> header = null;
        for (String line : csv.split("\n")) {
            if (line.startsWith("# ")) {
                header = Arrays.asList(line.substring(2).split(",", -1));
                continue;
            }
            if (header == null || line.isBlank()) {
                continue;
            }
            String[] row = line.split(",", -1);
            int svname = header.indexOf("svname");
            int value = header.indexOf(column);
            int addr = header.indexOf("addr");
            if ("pulse".equals(row[0]) && !"BACKEND".equals(row[svname]) && !"FRONTEND".equals(row[svname])) {
                values.put(addr >= 0 && !row[addr].isEmpty() ? row[addr] : row[svname], row[value]);
            }
        }
        return values;
    }

    /**
     * Takes {@code target} out of rotation as the ALB deregisters an ECS task before ECS stops it: no new request goes
     * to it, the ones in flight finish (haproxy's maintenance state). Returns once none is in flight.
     */
    public void deregister(InetSocketAddress target, Duration atMost) {
        command("set server pulse/" + serverName(target) + " state maint");
        String address = target.getHostString() + ":" + target.getPort();
        await(target + " drained").atMost(atMost).pollInterval(Duration.ofMillis(50))
            .until(() -> "0".equals(stat("scur").get(address)));
    }

    /**
     * Puts {@code target} back in rotation, as ECS registers a task it started: it takes requests once its health
     * checks pass. Nothing changes for a target that was not taken out.
     */
    public void register(InetSocketAddress target) {
        command("set server pulse/" + serverName(target) + " state ready");
    }

    private String serverName(InetSocketAddress target) {
        int index = targets.indexOf(target);
        if (index < 0) {
            throw new IllegalArgumentException(target + " is not behind this load balancer: " + targets);
        }
        return "pulse-" + (index + 1);
    }

    /** True when every target passes the health check. */
    public boolean allInService() {
        Map<String, String> states = targetStates();
        return states.size() == targets.size() && states.values().stream().allMatch("UP"::equals);
    }

    /** Waits until every target is in service. */
    public void awaitInService(Duration atMost) {
        await("every target in service behind haproxy").atMost(atMost).pollInterval(Duration.ofMillis(250))
            .until(this::allInService);
    }

    /** Sends one command to haproxy's stats socket and returns its answer. */
    public String command(String command) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            channel.shutdownOutput();
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            List<byte[]> chunks = new ArrayList<>();
            int total = 0;
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                chunks.add(chunk);
                total += chunk.length;
                buffer.clear();
            }
            byte[] all = new byte[total];
            int at = 0;
            for (byte[] chunk : chunks) {
                System.arraycopy(chunk, 0, all, at, chunk.length);
                at += chunk.length;
            }
            return new String(all, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("haproxy stats socket " + socket, e);
        }
    }

    public Path log() {
        return log;
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
