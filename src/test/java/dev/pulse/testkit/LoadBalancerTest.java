package dev.pulse.testkit;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The fleet's load balancer against three plain HTTP servers bound, as ECS tasks are, to the same port on distinct
 * addresses (loopback aliases): requests are spread round-robin, a target whose health check fails leaves the
 * rotation and comes back when it passes again, and a target deregistered as the ALB drains a task finishes what it
 * has in flight and gets nothing new until registered again.
 */
class LoadBalancerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<HttpServer> servers = new ArrayList<>();
    private final List<AtomicInteger> health = new ArrayList<>();
    /** Requests of {@code /slow} each target has begun; they all wait for {@link #release}. */
    private final Map<String, AtomicInteger> slowBegun = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService handlers = Executors.newCachedThreadPool();

    @BeforeEach
    void startTargets() throws IOException {
        Assumptions.assumeTrue(LoadBalancer.binary() != null, "haproxy is not installed (apt-get install haproxy): skipped");
        int port = freePortOnAll("127.0.0.2", "127.0.0.3", "127.0.0.4");
        for (String address : List.of("127.0.0.2", "127.0.0.3", "127.0.0.4")) {
            AtomicInteger status = new AtomicInteger(200);
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 0);
            server.createContext("/health/liveness", exchange -> {
                exchange.sendResponseHeaders(status.get(), -1);
                exchange.close();
            });
            server.createContext("/who", exchange -> {
                byte[] body = address.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.createContext("/slow", exchange -> {
                slowBegun.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                byte[] body = address.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.setExecutor(handlers); // a slow request must not hold up the health checks
            server.start();
            servers.add(server);
            health.add(status);
        }
    }

    @AfterEach
    void stopTargets() {
        release.countDown();
        servers.forEach(server -> server.stop(0));
        handlers.shutdownNow();
    }

    @Test
    void spreadsRequestsRoundRobinAndTakesAnUnhealthyTargetOutOfRotation(@TempDir Path dir) throws Exception {
        List<InetSocketAddress> targets = servers.stream().map(HttpServer::getAddress).toList();
        try (LoadBalancer lb = LoadBalancer.start(dir, targets, "/health/liveness")) {
            lb.awaitInService(Duration.ofSeconds(30));

            assertEquals(Map.of("127.0.0.2", 10, "127.0.0.3", 10, "127.0.0.4", 10), answersOf(lb, 30));

            health.get(1).set(503);
            await().atMost(Duration.ofSeconds(30)).until(() -> lb.targetStates().values().stream().filter("DOWN"::equals).count() == 1);
            assertEquals(Map.of("127.0.0.2", 15, "127.0.0.4", 15), answersOf(lb, 30));

            health.get(1).set(200);
            lb.awaitInService(Duration.ofSeconds(30));
            assertEquals(3, answersOf(lb, 30).size());
        }
    }

    @Test
    void aDeregisteredTargetFinishesWhatItHasInFlightAndGetsNothingNewUntilRegisteredAgain(@TempDir Path dir)
        throws Exception {
        List<InetSocketAddress> targets = servers.stream().map(HttpServer::getAddress).toList();
        try (LoadBalancer lb = LoadBalancer.start(dir, targets, "/health/liveness")) {
            lb.awaitInService(Duration.ofSeconds(30));
            // One slow request in flight on each target (round robin), held until released.
            List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                slow.add(HTTP.sendAsync(HttpRequest.newBuilder(lb.uri().resolve("/slow")).build(),
                    HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> slowBegun.size() == 3);

            InetSocketAddress second = targets.get(1);
            CompletableFuture<Void> deregistered = CompletableFuture.runAsync(
                () -> lb.deregister(second, Duration.ofSeconds(60)));
            await().atMost(Duration.ofSeconds(30))
                .until(() -> lb.targetStates().get("127.0.0.3:" + second.getPort()).startsWith("MAINT"));
            assertEquals(Map.of("127.0.0.2", 15, "127.0.0.4", 15), answersOf(lb, 30), "nothing new for it");
            assertFalse(deregistered.isDone(), "deregister waits while a request is in flight on the target");

            release.countDown();
            List<String> finished = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> response : slow) {
                HttpResponse<String> answer = response.get(30, TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode(), "what was in flight finishes");
                finished.add(answer.body());
            }
            assertEquals(List.of("127.0.0.2", "127.0.0.3", "127.0.0.4"), finished.stream().sorted().toList());
            deregistered.get(30, TimeUnit.SECONDS);

            lb.register(second);
            lb.awaitInService(Duration.ofSeconds(30));
            assertEquals(Map.of("127.0.0.2", 10, "127.0.0.3", 10, "127.0.0.4", 10), answersOf(lb, 30));
        }
    }

    private static Map<String, Integer> answersOf(LoadBalancer lb, int requests) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(lb.uri().resolve("/who")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            counts.merge(response.body(), 1, Integer::sum);
        }
        return counts;
    }

    /** A port free on each of the addresses (ECS tasks share the container port). */
    private static int freePortOnAll(String... addresses) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(addresses[0]))) {
                port = probe.getLocalPort();
            }
            boolean free = true;
            for (String address : addresses) {
                try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName(address))) {
                    probe.getLocalPort();
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return port;
            }
        }
        throw new IOException("no port free on all of " + String.join(", ", addresses));
    }
}
