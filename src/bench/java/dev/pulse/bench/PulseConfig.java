package dev.pulse.bench;

import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings Pulse will run with, as far as the driver must know them: read from Pulse's own
 * {@code application.yml} ({@code ${ENV:default}} placeholders resolved from the environment, as Pulse resolves
 * them), overridden by the {@code -Dbench.pulse.*} properties the driver passes on to Pulse. The plain Streams peer
 * gets the same commit interval, cache size and thread count; the expected alerts and windows use the same thresholds
 * and window sizes.
 */
final class PulseConfig {

    private static final Pattern PLACEHOLDER = Pattern.compile("^\\$\\{([^:}]+)(?::`?([^`}]*)`?)?}$");

    private final Map<String, Object> yaml;
    private final Map<String, String> overrides;

    private PulseConfig(Map<String, Object> yaml, Map<String, String> overrides) {
        this.yaml = yaml;
        this.overrides = overrides;
    }

    static PulseConfig load(Map<String, String> overrides) throws IOException {
        try (InputStream in = PulseConfig.class.getClassLoader().getResourceAsStream("application.yml")) {
            if (in == null) {
                throw new IOException("application.yml is not on the classpath");
            }
            Map<String, Object> yaml = new Yaml().load(in);
            return new PulseConfig(yaml, overrides);
        }
    }

    /** {@code get("kafka.streams.default", "commit.interval.ms")}: a section path, then the key as written in it. */
    String get(String section, String key) {
        String full = section + "." + key;
        if (overrides.containsKey(full)) {
            return overrides.get(full);
        }
        Object node = yaml;
        for (String part : section.split("\\.")) {
            node = node instanceof Map<?, ?> map ? map.get(part) : null;
        }
        Object value = node instanceof Map<?, ?> map ? map.get(key) : null;
        if (value == null) {
            throw new IllegalStateException("application.yml has no " + full);
        }
        return resolve(value.toString());
    }

    private static String resolve(String value) {
        Matcher m = PLACEHOLDER.matcher(value.trim());
        if (!m.matches()) {
            return value;
        }
        String env = System.getenv(m.group(1));
        return env != null ? env : m.group(2);
    }

    String streams(String key) {
        return get("kafka.streams.default", key);
    }

    double threshold() {
        return Double.parseDouble(get("pulse.alerts.temperature", "threshold"));
    }

    double hysteresis() {
        return Double.parseDouble(get("pulse.alerts.temperature", "hysteresis"));
    }

    long deviceWindowMs() {
        return BenchSettings.duration(get("pulse.aggregates", "device-window")).toMillis();
    }

    long graceMs() {
        return BenchSettings.duration(get("pulse.aggregates", "grace")).toMillis();
    }

    long deviceAdvanceMs() {
        return BenchSettings.duration(get("pulse.aggregates", "device-advance")).toMillis();
    }

    int partitions() {
        return Integer.parseInt(get("pulse.kafka", "partitions"));
    }
}
