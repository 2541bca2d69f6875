package dev.pulse.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The load driver's settings, from {@code -Dbench.*} system properties. {@code bench.scale} picks the defaults
 * ({@code full}, or {@code small} for a smoke run of a minute or two); any other property overrides one of them.
 *
 * @param scale            {@code full} or {@code small}
 * @param scenarios        which scenarios run, in this order: baseline, wordcount, sensors, latency, dashboard
 *                         (soak runs when {@code soak} is set)
 * @param words            words preloaded on {@code word-counts} for the word-count scenario
 * @param wordsPerLine     words per text line (one record)
 * @param vocabulary       distinct words (drawn Zipf-like, so some are far more frequent than others)
 * @param readings         sensor readings preloaded on {@code real-time-data} for the sensor scenario
 * @param devices          distinct devices in the sensor preload and in the target-rate load
 * @param rate             target rate of the mixed load, events per second
 * @param warmup           load produced at the start of each target-rate phase before its figures are taken
 * @param duration         how long each target-rate phase (latency, dashboard) is measured, after the warm-up
 * @param mix              relative weights of sensors, records and words in the target-rate load
 * @param connections      concurrent HTTP connections of the dashboard readers (closed loop)
 * @param httpClient       {@code auto} (wrk when it is there or can be installed, else Java), {@code wrk} or {@code java}
 * @param bootstrapServers a broker to use instead of an embedded one, or null
 * @param redisUri         a Redis to use instead of an embedded one, or null
 * @param soak             length of the soak phase at the target rate, or null for none
 * @param baselineRecords  records written and read by ProducerPerformance / ConsumerPerformance
 * @param compression      compression.type of the driver's producers and of ProducerPerformance
 * @param heap             -Xmx of every child JVM (Pulse, the plain Streams peer, the Kafka tools)
 * @param out              where results and child logs go
 * @param stallTimeout     a scenario that makes no progress for this long fails
 * @param pulseProperties  extra system properties for Pulse's JVM ({@code -Dbench.pulse.x=y} gives {@code -Dx=y})
 */
public record BenchSettings(
    String scale,
    Set<String> scenarios,
    long words,
    int wordsPerLine,
    int vocabulary,
    long readings,
    int devices,
    int rate,
    Duration warmup,
    Duration duration,
    Map<String, Integer> mix,
    int connections,
    String httpClient,
    String bootstrapServers,
    String redisUri,
    Duration soak,
    long baselineRecords,
    String compression,
    String heap,
    Path out,
    Duration stallTimeout,
    Map<String, String> pulseProperties) {

    static final List<String> ALL_SCENARIOS = List.of("baseline", "wordcount", "sensors", "latency", "dashboard");
    static final List<String> KINDS = List.of("sensors", "records", "words");

    public static BenchSettings fromSystemProperties() {
        String scale = prop("bench.scale", "full");
        boolean small = switch (scale) {
            case "full" -> false;
            case "small" -> true;
            default -> throw new IllegalArgumentException("bench.scale must be full or small, not " + scale);
        };
        Set<String> scenarios = new LinkedHashSet<>();
        for (String s : prop("bench.scenarios", String.join(",", ALL_SCENARIOS)).split(",")) {
            String name = s.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (!ALL_SCENARIOS.contains(name)) {
                throw new IllegalArgumentException("unknown scenario '" + name + "' in bench.scenarios; known: " + ALL_SCENARIOS);
            }
            scenarios.add(name);
        }
        // in the documented order, whatever order they were given in
        Set<String> ordered = new LinkedHashSet<>();
        ALL_SCENARIOS.stream().filter(scenarios::contains).forEach(ordered::add);

        Map<String, String> pulse = new TreeMap<>();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.pulse."))
            .forEach(k -> pulse.put(k.substring("bench.pulse.".length()), System.getProperty(k)));

        String soak = prop("bench.soak", "");
        return new BenchSettings(
            scale,
            ordered,
            longProp("bench.words", small ? 200_000 : 2_000_000),
            (int) longProp("bench.words-per-line", 5),
            (int) longProp("bench.vocabulary", 10_000),
            longProp("bench.readings", small ? 100_000 : 1_000_000),
            (int) longProp("bench.devices", small ? 200 : 1_000),
            (int) longProp("bench.rate", 10_000),
            duration(prop("bench.warmup", small ? "5s" : "15s")),
            duration(prop("bench.duration", small ? "15s" : "60s")),
            mix(prop("bench.mix", "sensors=5,records=3,words=2")),
            (int) longProp("bench.connections", 32),
            prop("bench.http-client", "auto"),
            blankToNull(prop("bench.bootstrap.servers", "")),
            blankToNull(prop("bench.redis.uri", "")),
            soak.isBlank() ? null : duration(soak),
            longProp("bench.baseline-records", small ? 300_000 : 2_000_000),
            prop("bench.compression", "none"),
            prop("bench.heap", "512m"),
            Path.of(prop("bench.out", "target/bench")),
            duration(prop("bench.stall-timeout", "120s")),
            pulse);
    }

    boolean runs(String scenario) {
        return scenarios.contains(scenario);
    }

    /** The settings as they go into the results file. */
    Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("scale", scale);
        d.put("scenarios", List.copyOf(scenarios));
        d.put("words", words);
        d.put("words_per_line", wordsPerLine);
        d.put("vocabulary", vocabulary);
        d.put("readings", readings);
        d.put("devices", devices);
        d.put("rate", rate);
        d.put("warmup_s", warmup.toMillis() / 1000.0);
        d.put("duration_s", duration.toMillis() / 1000.0);
        d.put("mix", mix);
        d.put("connections", connections);
        d.put("http_client", httpClient);
        d.put("bootstrap_servers", bootstrapServers == null ? "embedded" : bootstrapServers);
        d.put("redis_uri", redisUri == null ? "embedded" : redisUri);
        d.put("soak_s", soak == null ? null : soak.toMillis() / 1000.0);
        d.put("baseline_records", baselineRecords);
        d.put("compression", compression);
        d.put("heap", heap);
        d.put("pulse_properties", pulseProperties);
        return d;
    }

    static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration (e.g. 500ms, 60s, 10m, 1h): '" + text + "'");
        }
    }

    /** {@code sensors=5,records=3,words=2}: kinds left out weigh 0. */
    static Map<String, Integer> mix(String text) {
        Map<String, Integer> mix = new LinkedHashMap<>();
        KINDS.forEach(k -> mix.put(k, 0));
        for (String part : text.split(",")) {
            String[] kv = part.split("=");
            String kind = kv[0].trim();
            if (kv.length != 2 || !KINDS.contains(kind)) {
                throw new IllegalArgumentException("bench.mix takes kind=weight pairs of " + KINDS + ", not '" + part + "'");
            }
            mix.put(kind, Integer.parseInt(kv[1].trim()));
        }
        if (mix.values().stream().mapToInt(Integer::intValue).sum() <= 0) {
            throw new IllegalArgumentException("bench.mix has no positive weight: " + text);
        }
        return mix;
    }

    private static String prop(String name, String fallback) {
        return System.getProperty(name, fallback);
    }

    private static long longProp(String name, long fallback) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        return Long.parseLong(value.replace("_", "").replace(",", "").trim());
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
