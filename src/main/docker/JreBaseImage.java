import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * The base of Pulse's container image, built without a Docker daemon or a registry, as a docker-archive tarball
 * (what {@code docker save} writes: {@code manifest.json}, a config, one uncompressed layer) that Jib takes as
 * {@code <from><image>tar://...}. Run by the Maven {@code image} profile with the build's own JDK:
 *
 * <pre>java src/main/docker/JreBaseImage.java src/main/docker target</pre>
 *
 * <p>It writes two things into the target folder:
 * <ul>
 *   <li>{@code pulse-jre-base.tar}: a JRE made by {@code jlink} from the running JDK at {@code /opt/java/openjdk}
 *   (headless: AWT's X11, sound, font, colour and JPEG natives are left out), every shared library those
 *   binaries and {@code /bin/sh} link against as {@code ldd} resolves them on this machine, plus the C++ runtime
 *   that JNI libraries such as RocksDB need; {@code /bin/sh}; {@code /etc/passwd} and {@code /etc/group} with
 *   the user {@code pulse} (uid and gid 10001); {@code /tmp} (mode 1777); the HEALTHCHECK of the Dockerfile.
 *   Rebuilt only when this file, the JDK or the architecture changed ({@code pulse-jre-base.tar.inputs}).</li>
 *   <li>{@code image-extra/app/healthcheck/HealthCheck.class}: the health probe, which the image profile adds
 *   to the image as an extra directory (so it is there whatever the base).</li>
 * </ul>
 *
 * <p>The layer is reproducible: entries sorted, owner root, times at the epoch. Needs a Linux JDK with
 * {@code jmods} and {@code ldd} (glibc or musl), that is a Linux build machine of the image's architecture.
 */
public final class JreBaseImage {

    static final String JAVA_HOME = "/opt/java/openjdk";
    static final String TAG = "pulse-jre-base";
    static final int UID = 10001;

    /** A JRE's modules (java.se) plus the JDK modules a service uses: Unsafe, EC and PKCS#11, JMX, DNS, JFR. */
    static final List<String> MODULES = List.of("java.se", "jdk.unsupported", "jdk.crypto.ec", "jdk.crypto.cryptoki",
        "jdk.management", "jdk.management.jfr", "jdk.jfr", "jdk.naming.dns", "jdk.net", "jdk.zipfs");

    /** GUI natives a server never loads; leaving them out spares X11, ALSA, freetype, lcms2 and libjpeg. */
    static final Set<String> HEADLESS_DROP = Set.of("libawt_xawt.so", "libjawt.so", "libsplashscreen.so",
        "libjsound.so", "libfontmanager.so", "liblcms.so", "libjavajpeg.so");

    /**
     * Needed by JNI libraries of the dependencies, not by the JRE: RocksDB links libstdc++, libgcc_s and glibc's
     * libpthread, librt and libdl (stubs since glibc 2.34, yet still named in its ELF header).
     */
    static final List<String> JNI_RUNTIME = List.of("libstdc++.so.6", "libgcc_s.so.1", "libpthread.so.0", "librt.so.1",
        "libdl.so.2");

    /** The Dockerfile's HEALTHCHECK (durations in nanoseconds, as in a Docker image config). */
    static final List<String> HEALTH_TEST = List.of("CMD", "java", "-Xmx16m", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-cp", "/app/healthcheck", "HealthCheck");

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java JreBaseImage.java <src/main/docker> <target>");
            System.exit(2);
        }
        Path sources = Path.of(args[0]);
        Path target = Path.of(args[1]);
        compileProbe(sources.resolve("HealthCheck.java"), target.resolve("image-extra/app/healthcheck"));

        Path tar = target.resolve(TAG + ".tar");
        Path inputsFile = target.resolve(TAG + ".tar.inputs");
        String inputs = inputs(sources.resolve("JreBaseImage.java"));
        if (Files.exists(tar) && Files.exists(inputsFile) && Files.readString(inputsFile).equals(inputs)) {
            System.out.println("[pulse] base image up to date: " + tar);
            return;
        }
        long start = System.nanoTime();
        Files.deleteIfExists(inputsFile);
        build(tar);
        Files.writeString(inputsFile, inputs);
        System.out.printf("[pulse] base image %s (%d MB) in %d s%n", tar, Files.size(tar) >> 20,
            (System.nanoTime() - start) / 1_000_000_000L);
    }

    // --- the probe ----------------------------------------------------------------------------------------

    static void compileProbe(Path source, Path out) throws IOException {
        Files.createDirectories(out);
        ToolProvider javac = ToolProvider.findFirst("javac")
            .orElseThrow(() -> new IllegalStateException("javac not found: run with a JDK, not a JRE"));
        run(javac, "--release", "17", "-d", out.toString(), source.toString());
    }

    // --- the base image -----------------------------------------------------------------------------------

    static void build(Path tar) throws Exception {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> throw new IllegalStateException("unsupported architecture " + System.getProperty("os.arch"));
        };
        if (!System.getProperty("os.name").equals("Linux")) {
            throw new IllegalStateException("the base image needs a Linux JDK (jlink copies the build JDK's binaries)");
        }
        Path staging = Files.createTempDirectory("pulse-jre-base-");
        try {
            Path jre = staging.resolve("jre");
            ToolProvider jlink = ToolProvider.findFirst("jlink")
                .orElseThrow(() -> new IllegalStateException("jlink not found: run with a JDK that has jdk.jlink"));
            run(jlink, "--add-modules", String.join(",", MODULES), "--strip-debug", "--no-man-pages",
                "--no-header-files", "--compress=2", "--output", jre.toString());
            for (String name : HEADLESS_DROP) {
                Files.deleteIfExists(jre.resolve("lib").resolve(name));
            }

            Layer layer = new Layer();
            layer.tree(jre, JAVA_HOME.substring(1));
            Path shell = Path.of("/bin/sh").toRealPath();
            layer.file("bin/sh", shell, 0755);

            // Shared libraries at the paths the loader finds them on this machine (ldd), as plain files.
            List<Path> elves = new ArrayList<>();
            try (Stream<Path> files = Files.walk(jre)) {
                files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).filter(JreBaseImage::isElf)
                    .sorted().forEach(elves::add);
            }
            elves.add(shell);
            for (String name : JNI_RUNTIME) {
                elves.add(Path.of(libraryPath(name)));
            }
            Set<String> jreLibraries = new TreeSet<>();
            elves.forEach(p -> jreLibraries.add(p.getFileName().toString()));
            Map<String, String> libraries = new TreeMap<>();
            for (Path elf : elves) {
                libraries.putAll(ldd(elf, jre, jreLibraries));
            }
            for (String name : JNI_RUNTIME) {
                libraries.put(libraryPath(name), libraryPath(name));
            }
            libraries.forEach((inImage, onHost) -> layer.file(inImage.substring(1), Path.of(onHost), 0755));

            layer.text("etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\n"
                + "pulse:x:" + UID + ":" + UID + ":Pulse:/app:/sbin/nologin\n", 0644);
            layer.text("etc/group", "root:x:0:\npulse:x:" + UID + ":\n", 0644);
            layer.text("etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n", 0644);
            layer.directory("root", 0700);
            layer.directory("tmp", 01777);

            writeArchive(tar, layer, arch, staging);
        } finally {
            deleteTree(staging);
        }
    }

    static String inputs(Path self) throws IOException, NoSuchAlgorithmException {
        return "builder sha256:" + sha256(Files.readAllBytes(self)) + "\njdk " + System.getProperty("java.home") + " "
            + System.getProperty("java.runtime.version") + "\narch " + System.getProperty("os.arch") + "\n";
    }

    static void writeArchive(Path tar, Layer layer, String arch, Path staging) throws Exception {
        Path layerTar = staging.resolve("layer.tar");
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(layerTar), digest)) {
            layer.writeTo(new TarWriter(out));
        }
        String diffId = HexFormat.of().formatHex(digest.digest());

        String version = System.getProperty("java.runtime.version");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Env", List.of("PATH=" + JAVA_HOME + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "JAVA_HOME=" + JAVA_HOME, "LANG=C.UTF-8"));
        config.put("WorkingDir", "/");
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("Test", HEALTH_TEST);
        health.put("Interval", 30_000_000_000L);
        health.put("Timeout", 5_000_000_000L);
        health.put("Retries", 3);
        config.put("Healthcheck", health);
        config.put("Labels", Map.of("org.opencontainers.image.description",
            "Pulse base: JRE " + version + " (jlink), /bin/sh, user pulse (10001)"));
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("architecture", arch);
        image.put("os", "linux");
        image.put("created", "1970-01-01T00:00:00Z");
        image.put("config", config);
        image.put("rootfs", Map.of("type", "layers", "diff_ids", List.of("sha256:" + diffId)));
        image.put("history", List.of(Map.of("created", "1970-01-01T00:00:00Z",
            "created_by", "JreBaseImage.java: jlink " + String.join(",", MODULES) + " from JDK " + version)));
        byte[] configJson = Json.write(image).getBytes(StandardCharsets.UTF_8);
        String configName = sha256(configJson) + ".json";
        String layerName = diffId + "/layer.tar";
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("Config", configName);
        entry.put("RepoTags", List.of(TAG + ":" + version.replace('+', '_')));
        entry.put("Layers", List.of(layerName));
        byte[] manifest = Json.write(List.of(entry)).getBytes(StandardCharsets.UTF_8);

        Files.createDirectories(tar.toAbsolutePath().getParent());
        Path partial = tar.resolveSibling(tar.getFileName() + ".partial");
        try (OutputStream out = Files.newOutputStream(partial)) {
            TarWriter archive = new TarWriter(out);
            archive.file("manifest.json", 0644, manifest);
            archive.file(configName, 0644, configJson);
            archive.directory(diffId + "/", 0755);
            archive.file(layerName, 0644, layerTar);
            archive.finish();
        }
        Files.move(partial, tar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    // --- shared libraries ---------------------------------------------------------------------------------

    static final Pattern LDD_RESOLVED = Pattern.compile("^\\s*(\\S+) => (/\\S+) \\(0x[0-9a-f]+\\)$");
    static final Pattern LDD_LOADER = Pattern.compile("^\\s*(/\\S+) \\(0x[0-9a-f]+\\)$");
    static final Pattern LDD_MISSING = Pattern.compile("^\\s*(\\S+) => not found$");

    /** The libraries {@code elf} needs, as path in the image (the path ldd names) → real file on this machine. */
    static Map<String, String> ldd(Path elf, Path jre, Set<String> jreLibraries)
        throws IOException, InterruptedException {
        String output = exec("ldd", elf.toString());
        Map<String, String> found = new TreeMap<>();
        for (String line : output.split("\n")) {
            Matcher m;
            if ((m = LDD_RESOLVED.matcher(line)).matches()) {
                if (!Path.of(m.group(2)).normalize().startsWith(jre)) { // the JRE's own are in the image already
                    found.put(m.group(2), Path.of(m.group(2)).toRealPath().toString());
                }
            } else if ((m = LDD_LOADER.matcher(line)).matches()) {
                found.put(m.group(1), Path.of(m.group(1)).toRealPath().toString());
            } else if ((m = LDD_MISSING.matcher(line)).matches() && !jreLibraries.contains(m.group(1))) {
                throw new IllegalStateException(elf + " needs " + m.group(1) + ", which is not on this machine");
            }
        }
        return found;
    }

    static String libraryPath(String soname) throws IOException, InterruptedException {
        String arch = System.getProperty("os.arch").equals("aarch64") ? "AArch64" : "x86-64";
        for (String line : exec("/sbin/ldconfig", "-p").split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith(soname + " (") && trimmed.contains(arch) && trimmed.contains("=> ")) {
                return trimmed.substring(trimmed.indexOf("=> ") + 3);
            }
        }
        throw new IllegalStateException(soname + " not found by ldconfig -p (the C++ runtime JNI libraries need)");
    }

    static boolean isElf(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- the layer ----------------------------------------------------------------------------------------

    /** The layer's entries by path; parents are added as directories, and everything is written sorted. */
    static final class Layer {
        private sealed interface Entry permits Dir, HostFile, Text, Link {
        }

        private record Dir(int mode) implements Entry {
        }

        private record HostFile(Path source, int mode) implements Entry {
        }

        private record Text(String content, int mode) implements Entry {
        }

        private record Link(String target) implements Entry {
        }

        private final TreeMap<String, Entry> entries = new TreeMap<>();

        void directory(String path, int mode) {
            parents(path);
            entries.put(path + "/", new Dir(mode));
        }

        void file(String path, Path source, int mode) {
            parents(path);
            entries.put(path, new HostFile(source, mode));
        }

        void text(String path, String content, int mode) {
            parents(path);
            entries.put(path, new Text(content, mode));
        }

        /** A folder of this machine at {@code prefix}, symbolic links kept as links, modes as they are. */
        void tree(Path root, String prefix) throws IOException {
            List<Path> paths;
            try (Stream<Path> walk = Files.walk(root)) {
                paths = walk.filter(p -> !p.equals(root)).sorted().toList();
            }
            for (Path p : paths) {
                String path = prefix + "/" + root.relativize(p).toString().replace('\\', '/');
                if (Files.isSymbolicLink(p)) {
                    parents(path);
                    entries.put(path, new Link(Files.readSymbolicLink(p).toString()));
                } else if (Files.isDirectory(p)) {
                    directory(path, 0755);
                } else {
                    file(path, p, Files.isExecutable(p) ? 0755 : 0644);
                }
            }
        }

        private void parents(String path) {
            int slash = path.lastIndexOf('/');
            if (slash > 0) {
                String parent = path.substring(0, slash);
                if (!entries.containsKey(parent + "/")) {
                    parents(parent);
                    entries.put(parent + "/", new Dir(0755));
                }
            }
        }

        void writeTo(TarWriter tar) throws IOException {
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                String path = e.getKey();
                Entry entry = e.getValue();
                if (entry instanceof Dir d) {
                    tar.directory(path, d.mode());
                } else if (entry instanceof HostFile f) {
                    tar.file(path, f.mode(), f.source());
                } else if (entry instanceof Text t) {
                    tar.file(path, t.mode(), t.content().getBytes(StandardCharsets.UTF_8));
                } else if (entry instanceof Link l) {
                    tar.symlink(path, l.target());
                }
            }
            tar.finish();
        }
    }

    /** A ustar writer: owner 0:0, modification time 0, names split into prefix and name where longer than 100. */
    static final class TarWriter {
        private final OutputStream out;

        TarWriter(OutputStream out) {
            this.out = out;
        }

        void directory(String path, int mode) throws IOException {
            header(path.endsWith("/") ? path : path + "/", mode, 0, '5', "");
        }

        void symlink(String path, String target) throws IOException {
            header(path, 0777, 0, '2', target);
        }

        void file(String path, int mode, byte[] content) throws IOException {
            header(path, mode, content.length, '0', "");
            out.write(content);
            pad(content.length);
        }

        void file(String path, int mode, Path source) throws IOException {
            long size = Files.size(source);
            header(path, mode, size, '0', "");
            try (InputStream in = Files.newInputStream(source)) {
                if (in.transferTo(out) != size) {
                    throw new IOException(source + " changed while being archived");
                }
            }
            pad(size);
        }

        void finish() throws IOException {
            out.write(new byte[1024]);
            out.flush();
        }

        private void pad(long size) throws IOException {
            int rest = (int) (size % 512);
            if (rest != 0) {
                out.write(new byte[512 - rest]);
            }
        }

        private void header(String path, int mode, long size, char type, String link) throws IOException {
            byte[] h = new byte[512];
            String name = path;
            String prefix = "";
            if (utf8(path).length > 100) {
                int split = path.lastIndexOf('/', path.endsWith("/") ? path.length() - 2 : path.length() - 1);
                while (split > 0 && (utf8(path.substring(0, split)).length > 155
                    || utf8(path.substring(split + 1)).length > 100)) {
                    split = path.lastIndexOf('/', split - 1);
                }
                if (split <= 0) {
                    throw new IOException("path too long for ustar: " + path);
                }
                prefix = path.substring(0, split);
                name = path.substring(split + 1);
            }
            put(h, 0, 100, utf8(name));
            octal(h, 100, 8, mode);
            octal(h, 108, 8, 0);
            octal(h, 116, 8, 0);
            octal(h, 124, 12, size);
            octal(h, 136, 12, 0);
            h[156] = (byte) type;
            put(h, 157, 100, utf8(link));
            put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
            put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
            put(h, 265, 32, "root".getBytes(StandardCharsets.US_ASCII));
            put(h, 297, 32, "root".getBytes(StandardCharsets.US_ASCII));
            put(h, 345, 155, utf8(prefix));
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            octal(h, 148, 7, sum);
            out.write(h);
        }

        private static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }

        private static void put(byte[] h, int offset, int length, byte[] value) throws IOException {
            if (value.length > length) {
                throw new IOException("tar header field too long: " + new String(value, StandardCharsets.UTF_8));
            }
            System.arraycopy(value, 0, h, offset, value.length);
        }

        /** {@code length - 1} octal digits and a NUL. */
        private static void octal(byte[] h, int offset, int length, long value) throws IOException {
            String digits = Long.toOctalString(value);
            if (digits.length() > length - 1) {
                throw new IOException("value too large for a tar header: " + value);
            }
            String padded = "0".repeat(length - 1 - digits.length()) + digits;
            put(h, offset, length, (padded + "\0").getBytes(StandardCharsets.US_ASCII));
        }
    }

    // --- small helpers ------------------------------------------------------------------------------------

    /** Just enough JSON for the manifest and the config: maps, lists, strings, numbers. */
    static final class Json {
        static String write(Object value) {
            StringBuilder sb = new StringBuilder();
            write(value, sb);
            return sb.toString();
        }

        private static void write(Object value, StringBuilder sb) {
            if (value instanceof Map<?, ?> map) {
                sb.append('{');
                List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
                if (!(map instanceof LinkedHashMap)) {
                    entries.sort(Comparator.comparing(e -> e.getKey().toString()));
                }
                String sep = "";
                for (Map.Entry<?, ?> e : entries) {
                    sb.append(sep);
                    write(e.getKey().toString(), sb);
                    sb.append(':');
                    write(e.getValue(), sb);
                    sep = ",";
                }
                sb.append('}');
            } else if (value instanceof List<?> list) {
                sb.append('[');
                String sep = "";
                for (Object item : list) {
                    sb.append(sep);
                    write(item, sb);
                    sep = ",";
                }
                sb.append(']');
            } else if (value instanceof Number) {
                sb.append(value);
            } else {
                sb.append('"');
                for (char c : value.toString().toCharArray()) {
                    switch (c) {
                        case '"' -> sb.append("\\\"");
                        case '\\' -> sb.append("\\\\");
                        case '\n' -> sb.append("\\n");
                        default -> {
                            if (c < 0x20) {
                                sb.append(String.format("\\u%04x", (int) c));
                            } else {
                                sb.append(c);
                            }
                        }
                    }
                }
                sb.append('"');
            }
        }
    }

    static void run(ToolProvider tool, String... args) {
        int status = tool.run(System.out, System.err, args);
        if (status != 0) {
            throw new IllegalStateException(tool.name() + " failed (" + status + "): " + String.join(" ", args));
        }
    }

    static String exec(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        process.getInputStream().transferTo(output);
        int status = process.waitFor();
        String text = output.toString(StandardCharsets.UTF_8);
        if (status != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + status + "): " + text);
        }
        return text;
    }

    static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private JreBaseImage() {
    }
}
