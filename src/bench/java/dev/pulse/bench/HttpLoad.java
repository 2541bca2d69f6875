package dev.pulse.bench;

import io.micronaut.serde.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import org.HdrHistogram.Histogram;

import java.io.File;
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

/**
 * Dashboard readers: a closed loop of {@code connections} keep-alive HTTP/1.1 connections, each sending the next GET
 * as soon as the previous answer is in, cycling through a list of paths. {@code wrk} does it where it is on the PATH
 * (or, run as root, can be installed with apt-get); otherwise a Netty client on one event-loop thread. Answers other
 * than 200 are counted apart from connections that failed or requests that timed out (5 s, wrk).
 */
final class HttpLoad {

    private HttpLoad() {
    }

    /** Makes sure the client is there (installing wrk can take a while: not in the middle of a measurement). */
    static void prepare(String mode) {
        if (!mode.equals("java")) {
            wrkAvailable();
        }
    }

    static Map<String, Object> run(String mode, String host, int port, List<String> paths, int connections,
                                   Duration duration, Path dir) throws Exception {
        boolean wrk = switch (mode) {
            case "java" -> false;
            case "wrk" -> true;
            default -> wrkAvailable();
        };
        if (wrk && !wrkAvailable()) {
            throw new BenchFailure("bench.http-client=wrk but wrk is not on the PATH and could not be installed");
        }
        return wrk ? runWrk(host, port, paths, connections, duration, dir) : runNetty(host, port, paths, connections, duration);
    }

    private static Boolean wrkFound;

    /** wrk on the PATH; if not and this runs as root, one attempt at {@code apt-get install -y wrk}. */
    static synchronized boolean wrkAvailable() {
        if (wrkFound == null) {
            wrkFound = onPath("wrk");
            if (!wrkFound && "root".equals(System.getProperty("user.name")) && onPath("apt-get")) {
                System.out.println("wrk is not installed; trying apt-get install -y wrk");
                try {
                    ProcessBuilder apt = new ProcessBuilder("apt-get", "install", "-y", "-q", "wrk")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                    apt.environment().put("DEBIAN_FRONTEND", "noninteractive");
                    Process p = apt.start();
                    if (!p.waitFor(300, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (IOException | InterruptedException e) {
                    System.out.println("apt-get failed: " + e);
                }
                wrkFound = onPath("wrk");
            }
        }
        return wrkFound;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    // --- wrk -------------------------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static Map<String, Object> runWrk(String host, int port, List<String> paths, int connections,
                                              Duration duration, Path dir) throws Exception {
        StringBuilder lua = new StringBuilder("local paths = {\n");
        for (String path : paths) {
            lua.append("  \"").append(path.replace("\\", "\\\\").replace("\"", "\\\"")).append("\",\n");
        }
        lua.append("""
            }
            local i = 0
            request = function()
              i = i + 1
              return wrk.format("GET", paths[(i % #paths) + 1])
            end
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format('BENCH {"requests": %d, "duration_us": %d, "status_errors": %d, ' ..
                '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "p50_us": %d, ' ..
                '"p95_us": %d, "p99_us": %d, "max_us": %d}\\n', summary.requests, summary.duration, e.status,
                e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(95),
                latency:percentile(99), latency.max))
            end
            """);
        Files.createDirectories(dir);
        Path script = dir.resolve("dashboard-reads.lua");
        Files.writeString(script, lua, StandardCharsets.UTF_8);
        int threads = Math.min(2, connections);
        List<String> command = List.of("wrk", "-t" + threads, "-c" + connections, "-d" + duration.toSeconds() + "s",
            "--timeout", "5s", "-s", script.toString(), "http://" + host + ":" + port);
        Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        wrk.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS);
        String line = output.lines().filter(l -> l.startsWith("BENCH ")).findFirst()
            .orElseThrow(() -> new BenchFailure("wrk printed no results:\n" + output));
        Map<String, Object> w = ObjectMapper.getDefault().readValue(line.substring(6), Map.class);
        long requests = num(w, "requests");
        long socketErrors = num(w, "connect_errors") + num(w, "read_errors") + num(w, "write_errors") + num(w, "timeouts");
        double seconds = num(w, "duration_us") / 1e6;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("client", "wrk, " + threads + " threads");
        r.put("connections", connections);
        r.put("duration_s", seconds);
        r.put("requests", requests);
        r.put("requests_per_s", requests / seconds);
        r.put("non_200", num(w, "status_errors"));
        r.put("socket_errors", socketErrors);
        r.put("timeouts", num(w, "timeouts"));
        r.put("p50_ms", num(w, "p50_us") / 1000.0);
        r.put("p95_ms", num(w, "p95_us") / 1000.0);
        r.put("p99_ms", num(w, "p99_us") / 1000.0);
        r.put("max_ms", num(w, "max_us") / 1000.0);
        r.put("wrk_output", output.lines().filter(l -> !l.startsWith("BENCH ")).toList());
        return r;
    }

    private static long num(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).longValue();
    }

    // --- Netty -----------------------------------------------------------------------------------------------------

    private static Map<String, Object> runNetty(String host, int port, List<String> paths, int connections,
                                                Duration duration) throws Exception {
        Histogram micros = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        long[] counts = new long[3]; // 200, other status, socket errors; touched only on the one event-loop thread
        boolean[] stopped = {false};
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                            new ClosedLoop(host, paths, micros, counts, stopped));
                    }
                });
            List<Channel> channels = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < connections; i++) {
                channels.add(bootstrap.connect(host, port).sync().channel());
            }
            Thread.sleep(duration.toMillis());
            long[] done = group.next().submit(() -> {
                stopped[0] = true;
                return counts.clone();
            }).get();
            double seconds = (System.nanoTime() - start) / 1e9;
            for (Channel channel : channels) {
                channel.close();
            }
            Histogram snapshot = group.next().submit(micros::copy).get();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("client", "java (Netty, 1 event-loop thread)");
            r.put("connections", connections);
            r.put("duration_s", seconds);
            r.put("requests", done[0] + done[1]);
            r.put("requests_per_s", (done[0] + done[1]) / seconds);
            r.put("non_200", done[1]);
            r.put("socket_errors", done[2]);
            r.put("p50_ms", snapshot.getValueAtPercentile(50) / 1000.0);
            r.put("p95_ms", snapshot.getValueAtPercentile(95) / 1000.0);
            r.put("p99_ms", snapshot.getValueAtPercentile(99) / 1000.0);
            r.put("max_ms", snapshot.getMaxValue() / 1000.0);
            return r;
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    /** One connection: send, wait for the whole answer, record it, send the next. */
    private static final class ClosedLoop extends SimpleChannelInboundHandler<FullHttpResponse> {

        private final String host;
        private final List<String> paths;
        private final Histogram micros;
        private final long[] counts;
        private final boolean[] stopped;
        private int next;
        private long sentAt;

        ClosedLoop(String host, List<String> paths, Histogram micros, long[] counts, boolean[] stopped) {
            this.host = host;
            this.paths = paths;
            this.micros = micros;
            this.counts = counts;
            this.stopped = stopped;
            this.next = (int) (Math.random() * paths.size());
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (stopped[0]) {
                return;
            }
            micros.recordValue(Math.min(micros.getHighestTrackableValue(), (System.nanoTime() - sentAt) / 1000));
            counts[response.status().code() == 200 ? 0 : 1]++;
            send(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!stopped[0]) {
                counts[2]++;
            }
            ctx.close();
        }

        private void send(ChannelHandlerContext ctx) {
            DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                paths.get(next++ % paths.size()));
            request.headers().set(HttpHeaderNames.HOST, host);
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            sentAt = System.nanoTime();
            ctx.writeAndFlush(request);
        }
    }
}
