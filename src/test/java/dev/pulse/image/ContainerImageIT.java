package dev.pulse.image;

import dev.pulse.testkit.Ports;
import dev.pulse.testkit.TestServers;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.ObjectMapper;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The image that {@code ./mvnw -Pimage verify} builds ({@code target/pulse-image.tar}, by Jib, without a Docker
 * daemon), checked without Docker either (failsafe runs this after {@code package}):
 * <ul>
 *   <li>the archive is what {@code docker load} reads: {@code manifest.json} with the tag, the config and the
 *   layers, each layer's uncompressed digest equal to the config's {@code diff_id};</li>
 *   <li>the config says what {@code src/main/docker/Dockerfile} says: user 10001, port 8080, the JVM flags, an
 *   entrypoint running {@code dev.pulse.Application}, the health check and its probe class;</li>
 *   <li>as root on Linux, the layers unpacked into a root filesystem run the way a runtime would run them with
 *   {@code --network host} (own mount and PID namespaces, chroot, the image's user, working directory,
 *   environment and entrypoint): {@code java -version} with the image's JRE, then Pulse itself against the test
 *   broker and Redis, answering {@code /health/liveness} and becoming ready, and the image's health-check
 *   command exits 0. Elsewhere that test is skipped with the reason.</li>
 * </ul>
 */
class ContainerImageIT {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerImageIT.class);
    private static final JsonMapper JSON = ObjectMapper.getDefault();
    private static final Path TAR = Path.of(System.getProperty("pulse.image.tar", "target/pulse-image.tar"));
    private static final String NAME = System.getProperty("pulse.image.name", "pulse:0.1.0-SNAPSHOT");

    private static Path unpacked;
    private static Map<String, Object> manifest;
    private static Map<String, Object> image;
    private static Map<String, Object> config;

    @BeforeAll
    static void unpackArchive() throws Exception {
        assertTrue(Files.isRegularFile(TAR), TAR + " is missing: build it with ./mvnw -Pimage -DskipTests package");
        LOG.info("Image {}: {} MB", TAR, Files.size(TAR) >> 20);
        unpacked = Files.createTempDirectory("pulse-image-");
        run(Duration.ofMinutes(2), "tar", "-xf", TAR.toAbsolutePath().toString(), "-C", unpacked.toString());
        List<Map<String, Object>> entries = JSON.readValue(Files.readAllBytes(unpacked.resolve("manifest.json")),
            Argument.listOf(Argument.mapOf(String.class, Object.class)));
        assertEquals(1, entries.size(), "one image in manifest.json");
        manifest = entries.get(0);
        image = map(JSON.readValue(Files.readAllBytes(unpacked.resolve((String) manifest.get("Config"))), Map.class));
        config = map(image.get("config"));
    }

    @AfterAll
    static void deleteUnpacked() throws IOException, InterruptedException {
        if (unpacked != null) {
            run(Duration.ofMinutes(1), "rm", "-rf", "--one-file-system", unpacked.toString());
        }
    }

    @Test
    void isADockerArchiveThatDockerLoadReads() throws Exception {
        assertEquals(List.of(NAME), manifest.get("RepoTags"));
        assertEquals("linux", image.get("os"));
        assertTrue(Set.of("amd64", "arm64").contains(image.get("architecture")), "architecture " + image.get("architecture"));
        List<String> layers = strings(manifest.get("Layers"));
        List<String> diffIds = strings(map(image.get("rootfs")).get("diff_ids"));
        assertEquals(diffIds.size(), layers.size(), "a diff_id per layer");
        assertTrue(layers.size() >= 3, "the base layer and Jib's layers: " + layers);
        for (int i = 0; i < layers.size(); i++) {
            Path layer = unpacked.resolve(layers.get(i));
            assertTrue(Files.isRegularFile(layer), "layer " + layers.get(i) + " is in the archive");
            assertEquals(diffIds.get(i), "sha256:" + uncompressedSha256(layer),
                "layer " + layers.get(i) + ": its uncompressed digest is the config's diff_id");
        }
    }

    @Test
    void configSaysWhatTheDockerfileSays() throws Exception {
        assertEquals("10001:10001", config.get("User"), "non-root user");
        assertEquals(Set.of("8080/tcp"), map(config.get("ExposedPorts")).keySet());
        assertEquals("/app", config.get("WorkingDir"));
        Map<String, String> env = environment();
        assertEquals("-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError", env.get("JAVA_OPTS"),
            "container-aware heap, exit on OOM");
        assertEquals("8080", env.get("MICRONAUT_SERVER_PORT"));
        assertTrue(env.get("PATH").startsWith(env.get("JAVA_HOME") + "/bin:"), "java on the PATH: " + env);
        assertEquals(List.of("sh", "-c", "exec java $JAVA_OPTS -cp @/app/jib-classpath-file dev.pulse.Application \"$@\"",
            "pulse"), config.get("Entrypoint"));
        Map<String, Object> health = map(config.get("Healthcheck"));
        assertEquals(List.of("CMD", "java", "-Xmx16m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
            "/app/healthcheck", "HealthCheck"), health.get("Test"));
        assertEquals(30_000_000_000L, ((Number) health.get("Interval")).longValue());
        assertEquals(5_000_000_000L, ((Number) health.get("Timeout")).longValue());
        assertEquals(3, ((Number) health.get("Retries")).intValue());

        Set<String> files = new TreeSet<>();
        for (String layer : strings(manifest.get("Layers"))) {
            files.addAll(List.of(run(Duration.ofMinutes(1), "tar", "--warning=no-unknown-keyword", "-tzf",
                unpacked.resolve(layer).toString()).split("\n")));
        }
        for (String expected : List.of("app/healthcheck/HealthCheck.class", "app/jib-classpath-file",
            "app/classes/dev/pulse/Application.class", "app/resources/application.yml", "bin/sh",
            env.get("JAVA_HOME").substring(1) + "/bin/java", "etc/passwd", "tmp/")) {
            assertTrue(files.contains(expected), "the image has " + expected);
        }
        assertTrue(files.stream().anyMatch(f -> f.matches("app/libs/micronaut-core-[0-9.]+\\.jar")), "dependencies in app/libs");
        assertFalse(files.stream().anyMatch(f -> f.contains(".wh.")), "no whiteouts");
    }

    @Test
    void runsPulseFromItsOwnRootFilesystem() throws Exception {
        assumeTrue(System.getProperty("os.name").equals("Linux"), "skipped: running the image needs Linux namespaces");
        assumeTrue("0".equals(run(Duration.ofSeconds(10), "id", "-u").trim()),
            "skipped: running the image needs root (mount and PID namespaces, chroot); the structure tests ran");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "skipped: /usr/bin/unshare (util-linux) is missing");
        Process probe = new ProcessBuilder("/usr/bin/unshare", "--mount", "--pid", "--fork", "true")
            .redirectErrorStream(true).start();
        String refusal = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0,
            "skipped: this root may not create mount and PID namespaces (an unprivileged container?): " + refusal);

        // 0755 as / is (a temporary folder is 0700, which user 10001 could not enter after the chroot).
        Path root = Files.createDirectory(unpacked.resolve("rootfs"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        for (String layer : strings(manifest.get("Layers"))) {
            run(Duration.ofMinutes(2), "tar", "--same-owner", "--warning=no-unknown-keyword", "-xpf",
                unpacked.resolve(layer).toString(), "-C", root.toString());
        }
        // What a runtime adds to a container: /proc, /dev, and (host network) the host's hosts and resolv.conf.
        Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(root.resolve("dev"));
        for (String file : List.of("/etc/hosts", "/etc/resolv.conf")) {
            if (Files.exists(Path.of(file))) {
                Files.copy(Path.of(file), root.resolve(file.substring(1)));
            }
        }

        String version = run(Duration.ofMinutes(1), container(root, Map.of(), List.of("java", "-version")));
        Matcher major = Pattern.compile("version \"(\\d+)").matcher(version);
        assertTrue(major.find() && Integer.parseInt(major.group(1)) >= 17, "the image's JRE 17+ runs: " + version);
        LOG.info("java -version in the image: {}", version.lines().findFirst().orElse(""));

        int port = Ports.free();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("MICRONAUT_SERVER_PORT", String.valueOf(port));
        settings.put("KAFKA_BOOTSTRAP_SERVERS", TestServers.kafkaBootstrapServers());
        settings.put("REDIS_URI", TestServers.redis().uri());
        settings.put("PULSE_STREAMS_APPLICATION_ID", "pulse-image-it-" + port);
        List<String> command = new ArrayList<>(strings(config.get("Entrypoint")));
        Path log = Path.of("target", "container-image-it.log");
        Process pulse = new ProcessBuilder(container(root, settings, command)).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String base = "http://127.0.0.1:" + port;
            awaitStatus(http, base + "/health/liveness", 200, Duration.ofMinutes(3), pulse, log);
            awaitStatus(http, base + "/health/readiness", 200, Duration.ofMinutes(3), pulse, log);

            ProcessHandle java = pulse.toHandle().descendants().filter(p -> p.info().command()
                .map(c -> c.endsWith("/java")).orElse(false)).findFirst()
                .orElseThrow(() -> new AssertionError("no java process under " + pulse.pid()));
            String status = Files.readString(Path.of("/proc", String.valueOf(java.pid()), "status"));
            assertTrue(status.lines().anyMatch(l -> l.matches("Uid:\\s+10001\\s+10001\\s+10001\\s+10001")),
                "Pulse runs as uid 10001:\n" + status);
            String cmdline = Files.readString(Path.of("/proc", String.valueOf(java.pid()), "cmdline")).replace('\0', ' ');
            assertTrue(cmdline.contains("-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError")
                && cmdline.contains("dev.pulse.Application"), "the entrypoint expands JAVA_OPTS: " + cmdline);

            List<String> healthTest = new ArrayList<>(strings(map(config.get("Healthcheck")).get("Test")));
            healthTest.remove(0); // CMD: exec form
            ProcessBuilder healthCheck = new ProcessBuilder(container(root, Map.of("MICRONAUT_SERVER_PORT",
                String.valueOf(port)), healthTest)).redirectErrorStream(true);
            Process check = healthCheck.start();
            String checkOutput = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(check.waitFor(60, TimeUnit.SECONDS), "the health check finishes");
            assertEquals(0, check.exitValue(), "the image's health check passes while Pulse is up: " + checkOutput);

            // As docker stop (and ECS) do: SIGTERM to the container's first process, which is java itself (the
            // entrypoint's shell exec's it); Pulse shuts down in time (stopTimeout 120 s in the task definition).
            assertTrue(java.destroy(), "SIGTERM sent to " + java.pid());
            assertTrue(pulse.waitFor(120, TimeUnit.SECONDS), "Pulse stops on SIGTERM:\n" + tail(log));
            LOG.info("Pulse in the image stopped on SIGTERM (exit {}); its log is {}", pulse.exitValue(), log);
        } finally {
            if (pulse.isAlive()) {
                pulse.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                pulse.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The command line that runs {@code command} as the image would: new mount and PID namespaces, the image's
     * {@code /proc}, the host's {@code /dev}, then chroot into {@code root} with the image's working directory and
     * user, and only the image's environment (plus {@code extraEnv}). The returned process is the outer
     * {@code unshare}, which waits for the command; signals go to the command's own process (a descendant).
     */
    private static List<String> container(Path root, Map<String, String> extraEnv, List<String> command) {
        String[] user = ((String) config.get("User")).split(":");
        List<String> line = new ArrayList<>(List.of("/usr/bin/env", "-i"));
        Map<String, String> env = environment();
        env.putAll(extraEnv);
        env.forEach((k, v) -> line.add(k + "=" + v));
        line.addAll(List.of("/usr/bin/unshare", "--mount", "--pid", "--fork", "/bin/sh", "-c",
            "root=$0 wd=$1 gid=$2 uid=$3; shift 3; mount -t proc proc \"$root/proc\" && mount --rbind /dev \"$root/dev\""
                + " && exec /usr/bin/unshare --root=\"$root\" --wd=\"$wd\" --setgid \"$gid\" --setuid \"$uid\" -- \"$@\"",
            root.toString(), (String) config.get("WorkingDir"), user[1], user[0]));
        List<String> all = new ArrayList<>(line);
        all.addAll(command);
        return all;
    }

    private static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : strings(config.get("Env"))) {
            int eq = entry.indexOf('=');
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        return env;
    }

    private static void awaitStatus(HttpClient http, String url, int expected, Duration timeout, Process pulse, Path log)
        throws Exception {
        AtomicReference<String> last = new AtomicReference<>("no answer");
        try {
            await(url + " answering " + expected).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(1))
                .failFast("exited", () -> !pulse.isAlive())
                .until(() -> {
                    try {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                        last.set(response.statusCode() + " " + response.body());
                        return response.statusCode() == expected;
                    } catch (IOException e) {
                        last.set(e.toString());
                        return false;
                    }
                });
            LOG.info("{} answered {}", url, expected);
        } catch (TerminalFailureException exited) {
            fail("Pulse exited (" + pulse.exitValue() + ") before " + url + " answered " + expected + ":\n" + tail(log));
        } catch (ConditionTimeoutException late) {
            fail(url + " did not answer " + expected + " within " + timeout + " (last: " + last.get() + "):\n" + tail(log));
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static String uncompressedSha256(Path layer) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (PushbackInputStream raw = new PushbackInputStream(Files.newInputStream(layer), 2)) {
            byte[] magic = raw.readNBytes(2);
            raw.unread(magic);
            boolean gzip = magic.length == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
            try (InputStream in = gzip ? new GZIPInputStream(raw, 65536) : raw) {
                byte[] buffer = new byte[65536];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String run(Duration timeout, String... command) throws IOException, InterruptedException {
        return run(timeout, List.of(command));
    }

    private static String run(Duration timeout, List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        process.getInputStream().transferTo(output);
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("timed out: " + command);
        }
        String text = output.toString(StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + text);
        return text;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) Optional.ofNullable(value).orElseGet(Map::of);
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return (List<String>) value;
    }
}
