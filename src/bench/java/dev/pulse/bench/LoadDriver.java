package dev.pulse.bench;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.ChildJvm;
import dev.pulse.testkit.EmbeddedKafka;
import dev.pulse.testkit.EmbeddedRedis;
import dev.pulse.testkit.PulseProcess;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.ObjectMapper;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load driver of issue #7: runs Pulse (in a child JVM, {@code -Xmx512m}, exactly-once) against a Kafka broker
 * and a Redis server (embedded, or given) and measures it, next to the raw broker and a plain Kafka Streams peer, in
 * one run: {@code ./mvnw -Pbench} (README, "Performance", lists the {@code -Dbench.*} settings).
 *
 * <p>Scenarios, in this order, each optional ({@code bench.scenarios}):
 * <ol>
 * <li>{@code baseline}: ProducerPerformance and ConsumerPerformance on a topic like the contract's.</li>
 * <li>{@code wordcount}: words preloaded on {@code word-counts}; the plain Kafka Streams word count
 *     ({@link PlainWordCount}), then Pulse, each started on it and timed until its output holds exactly the counts the
 *     driver computed.</li>
 * <li>{@code sensors}: readings preloaded on {@code real-time-data}; the plain Kafka Streams sensor path
 *     ({@link PlainSensorPath}), then Pulse, each timed until it has committed every reading and its device windows
 *     and temperature alerts hold exactly the ones the driver worked out.</li>
 * <li>{@code latency}: mixed events at the target rate; output latency per output topic ({@link TargetRateLoad}).</li>
 * <li>{@code dashboard}: the same load while closed-loop readers hammer cached dashboard GETs ({@link HttpLoad}).</li>
 * <li>soak ({@code bench.soak=10m}): the load for that long, the heap after a full GC at its start, middle and end.</li>
 * </ol>
 * Every run uses topic names, groups and an application id of its own (suffix: the run id), so it also works against
 * given servers that already hold data. Results go to {@code target/bench/results-<run>.json}; any output that does
 * not match what was sent fails the run (non-zero exit).
 */
public final class LoadDriver {

    private static final JsonMapper JSON = ObjectMapper.getDefault();
    private static final List<String> LISTENERS = List.of("transform", "sensor", "thresholds", "fraud", "catalog");
    /** The reads the near cache answered: the {@code pulse_cache_hits_total} series tagged {@code tier="near"}. */
    private static final String NEAR_HITS = "pulse_cache_hits_total{tier=near}";

    private final BenchSettings settings;
    private final String runId;
    private final Path dir;
    private final Map<String, Object> results = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final Map<String, GcLog> gcLogs = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    private BenchKafka kafka;
    private String redisUri;
    private PulseConfig config;
    private List<String> testClasspath;
    private List<String> pulseClasspath;
    private Vocabulary vocabulary;
    private long[] wordTotals;
    private TargetRateLoad.Model loadModel;
    private PulseProcess pulse;
    private GcLog pulseGc;
    private int pulseStarts;
    private boolean loadRan;

    // headline figures, for the ratios
    private double brokerProduce = Double.NaN;
    private double brokerConsume = Double.NaN;
    private double pulseWords = Double.NaN;
    private double peerWords = Double.NaN;
    private double sensorReadings = Double.NaN;
    private double peerReadings = Double.NaN;

    LoadDriver(BenchSettings settings) {
        this.settings = settings;
        this.runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        this.dir = settings.out().resolve(runId);
    }

    public static void main(String[] args) throws Exception {
        List<String> failures = new LoadDriver(BenchSettings.fromSystemProperties()).run();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("the benchmark failed: " + String.join("; ", failures));
        }
    }

    List<String> run() throws Exception {
        Files.createDirectories(dir);
        EmbeddedKafka embeddedKafka = null;
        EmbeddedRedis embeddedRedis = null;
        long started = System.nanoTime();
        try {
            String bootstrap = settings.bootstrapServers();
            if (bootstrap == null) {
                log("Starting an embedded Kafka broker");
                embeddedKafka = EmbeddedKafka.start(0);
                bootstrap = embeddedKafka.bootstrapServers();
            }
            redisUri = settings.redisUri();
            if (redisUri == null) {
                embeddedRedis = EmbeddedRedis.start(0);
                redisUri = embeddedRedis.uri();
            }
            setUp(bootstrap);
            scenario("baseline", this::baseline);
            scenario("wordcount", this::wordCount);
            scenario("sensors", this::sensors);
            scenario("latency", this::latency);
            scenario("dashboard", this::dashboard);
            if (settings.soak() != null) {
                scenario("soak", this::soak);
            }
            if (loadRan) {
                scenario("final_checks", this::finalChecks);
            }
        } catch (Exception e) {
            failures.add("set-up: " + e);
            e.printStackTrace();
        } finally {
            stopPulse();
            Map<String, Object> heaps = new LinkedHashMap<>();
            gcLogs.forEach((name, gc) -> heaps.put(name, gc.report(120)));
            results.put("heap_after_gc", heaps);
            results.put("ratios", ratios());
            results.put("failures", failures);
            results.put("total_s", (System.nanoTime() - started) / 1e9);
            Path file = settings.out().resolve("results-" + runId + ".json");
            Files.writeString(file, Report.json(results), StandardCharsets.UTF_8);
            System.out.println(summary(file));
            if (kafka != null) {
                kafka.close();
            }
            if (embeddedRedis != null) {
                embeddedRedis.close();
            }
            if (embeddedKafka != null) {
                embeddedKafka.close();
            }
        }
        return failures;
    }

    private void setUp(String bootstrap) throws Exception {
        kafka = new BenchKafka(bootstrap, settings.compression());
        config = PulseConfig.load(settings.pulseProperties());
        testClasspath = testClasspath();
        pulseClasspath = pulseClasspath(testClasspath);
        vocabulary = new Vocabulary(settings.vocabulary(), 7);
        wordTotals = new long[settings.vocabulary()];
        SensorModel loadSensors = new SensorModel("load-" + runId + "-", settings.devices(), config.threshold(),
            config.hysteresis());
        loadModel = new TargetRateLoad.Model(loadSensors, vocabulary, wordTotals, 8, "cat-");

        Map<String, Object> run = new LinkedHashMap<>();
        run.put("id", runId);
        run.put("started", LocalDateTime.now().toString());
        run.put("cpus", Runtime.getRuntime().availableProcessors());
        run.put("java", System.getProperty("java.version"));
        run.put("settings", settings.describe());
        Map<String, Object> streams = new LinkedHashMap<>();
        for (String key : List.of("processing.guarantee", "commit.interval.ms", "statestore.cache.max.bytes", "num.stream.threads")) {
            streams.put(key, config.streams(key));
        }
        run.put("streams_settings_pulse_and_peer", streams);
        results.put("run", run);

        Set<String> names = new LinkedHashSet<>();
        Set<String> compacted = new LinkedHashSet<>();
        for (String t : concat(Topics.INPUTS, Topics.OUTPUTS)) {
            names.add(topic(t));
            if (Topics.COMPACTED.contains(t)) {
                compacted.add(topic(t));
            }
        }
        names.add(peerOutput());
        names.add(peerTopic(Topics.TEMPERATURE_ALERTS));
        names.add(peerTopic(Topics.DEVICE_AVERAGES));
        names.add(baselineTopic());
        kafka.createTopics(names, compacted, config.partitions());
        log("Run " + runId + ": Kafka " + bootstrap + (settings.bootstrapServers() == null ? " (embedded)" : "")
            + ", Redis " + redisUri + (settings.redisUri() == null ? " (embedded)" : "") + "; topics *-" + runId);
    }

    // --- scenarios -----------------------------------------------------------------------------------------------------

    private interface Step {
        void run(Map<String, Object> out) throws Exception;
    }

    private void scenario(String name, Step step) {
        if (BenchSettings.ALL_SCENARIOS.contains(name) && !settings.runs(name)) {
            return;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        results.put(name, out);
        log("== " + name);
        try {
            step.run(out);
        } catch (Exception | AssertionError e) {
            String message = e instanceof BenchFailure ? e.getMessage() : e.toString();
            out.put("error", message);
            failures.add(name + ": " + message);
            log("FAILED " + name + ": " + message);
            if (!(e instanceof BenchFailure)) {
                e.printStackTrace();
            }
        }
    }

    private void baseline(Map<String, Object> out) throws Exception {
        List<byte[]> samples = new ArrayList<>();
        SensorModel sample = new SensorModel("sample-", 10, config.threshold(), config.hysteresis());
        TargetRateLoad.Model model = new TargetRateLoad.Model(sample, new Vocabulary(settings.vocabulary(), 11),
            new long[settings.vocabulary()], 8, "cat-");
        // records shaped like the mix's events
        int[] pattern = TargetRateLoad.pattern(settings.mix());
        long now = System.currentTimeMillis();
        for (int i = 0; i < 1000; i++) {
            samples.add(sampleEvent(model, pattern[i % pattern.length], now + i));
        }
        out.putAll(BrokerBaseline.run(kafka, baselineTopic(), settings.baselineRecords(), testClasspath, settings.heap(),
            dir, samples));
        brokerProduce = (Double) ((Map<?, ?>) out.get("produce")).get("records_per_s");
        brokerConsume = (Double) ((Map<?, ?>) out.get("consume")).get("records_per_s");
        log("broker: produce " + Report.number(brokerProduce) + " records/s, consume " + Report.number(brokerConsume) + " records/s");
    }

    private static byte[] sampleEvent(TargetRateLoad.Model model, int kind, long stamp) {
        return switch (kind) {
            case 0 -> model.sensors.next((int) (stamp % model.sensors.devices()), stamp).value();
            case 1 -> ("{\"id\": " + stamp % 1_000_000 + ", \"timestamp\": " + SensorModel.seconds(stamp) + ", \"value\": "
                + stamp % 1000 + ", \"category\": \"cat-" + stamp % 8 + "\"}").getBytes(StandardCharsets.UTF_8);
            default -> ("{\"word\": \"" + model.vocabulary.get(model.vocabulary.next()) + "\"}").getBytes(StandardCharsets.UTF_8);
        };
    }

    private void wordCount(Map<String, Object> out) throws Exception {
        stopPulse();
        int perLine = settings.wordsPerLine();
        long lines = (settings.words() + perLine - 1) / perLine;
        long words = lines * perLine;
        log("Preloading " + words + " words (" + lines + " lines of " + perLine + ") on " + topic(Topics.WORD_COUNTS));
        long t0 = System.nanoTime();
        try (Sender sender = new Sender("bench-preload-words")) {
            StringBuilder line = new StringBuilder();
            for (long l = 0; l < lines; l++) {
                line.setLength(0);
                for (int w = 0; w < perLine; w++) {
                    int word = vocabulary.next();
                    wordTotals[word]++;
                    line.append(w == 0 ? "" : " ").append(vocabulary.get(word));
                }
                sender.send(new ProducerRecord<>(topic(Topics.WORD_COUNTS), null, line.toString().getBytes(StandardCharsets.UTF_8)));
            }
        }
        Map<String, Long> expected = expectedWordTotals();
        out.put("words", words);
        out.put("words_per_line", perLine);
        out.put("distinct_words", expected.size());
        out.put("preload_s", (System.nanoTime() - t0) / 1e9);

        // the peer first, then Pulse, on the same input
        List<String> peerArgs = new ArrayList<>(List.of(
            "application.id=bench-plain-wordcount-" + runId,
            "bootstrap.servers=" + kafka.bootstrap(),
            "input.topic=" + topic(Topics.WORD_COUNTS),
            "output.topic=" + peerOutput(),
            "state.dir=" + dir.resolve("plain-wordcount-state").toAbsolutePath()));
        for (String key : List.of("processing.guarantee", "commit.interval.ms", "statestore.cache.max.bytes", "num.stream.threads")) {
            peerArgs.add(key + "=" + config.streams(key));
        }
        log("Plain Kafka Streams word count: counting");
        ChildJvm peer = child("plain-wordcount", testClasspath, PlainWordCount.class.getName(), peerArgs);
        Map<String, Object> peerResult = new LinkedHashMap<>();
        out.put("plain_streams", peerResult);
        try {
            ProgressMeter.Result r = countWords(peerOutput(), expected, words, peer,
                (record, sink) -> sink.accept(text(record.key()), java.nio.ByteBuffer.wrap(record.value()).getLong()));
            peerResult.putAll(r.describe("words"));
            peerWords = r.rate();
            log("plain Kafka Streams: " + Report.number(peerWords) + " words/s");
        } finally {
            peer.stop(Duration.ofSeconds(60));
        }

        startPulse("wordcount");
        Map<String, Object> pulseResult = new LinkedHashMap<>();
        out.put("pulse", pulseResult);
        ProgressMeter.Result r = countWords(topic(Topics.WORD_TOTALS), expected, words, pulse.jvm(),
            (record, sink) -> sink.accept(text(record.key()), Long.parseLong(text(record.value()).trim())));
        pulseResult.putAll(r.describe("words"));
        pulseWords = r.rate();
        log("Pulse: " + Report.number(pulseWords) + " words/s");
        out.put("pulse_to_plain_streams", pulseWords / peerWords);
    }

    /** Times a word count from its launch until its output topic holds exactly the expected counts. */
    private ProgressMeter.Result countWords(String outputTopic, Map<String, Long> expected, long words, ChildJvm process,
                                            OutputTotals.Extractor extractor) throws Exception {
        try (OutputTotals totals = new OutputTotals(kafka.consumerFromStart("bench-count-" + outputTopic, List.of(outputTopic)),
            expected, OutputTotals.Mode.LATEST, extractor)) {
            ProgressMeter.Result result = ProgressMeter.measure("word count into " + outputTopic, words,
                new ProgressMeter.Probe() {
                    @Override
                    public long progress() {
                        totals.poll(Duration.ofMillis(200));
                        return totals.sum();
                    }

                    @Override
                    public boolean done() {
                        return totals.matches();
                    }

                    @Override
                    public String describe() {
                        return totals.describeMismatch(5);
                    }
                }, settings.stallTimeout(), process);
            confirmNoMore(totals, "word count into " + outputTopic);
            return result;
        }
    }

    /**
     * Reads on after a match to the end offsets (read_committed): a count that grew further would be a record counted
     * twice.
     */
    private void confirmNoMore(OutputTotals totals, String what) {
        if (!totals.readToEnd(settings.stallTimeout())) {
            throw new BenchFailure(what + ": matched, then the end offsets were not reached within "
                + settings.stallTimeout().toSeconds() + " s");
        }
        if (!totals.matches()) {
            throw new BenchFailure(what + ": matched, then changed: " + totals.describeMismatch(5));
        }
    }

    private void sensors(Map<String, Object> out) throws Exception {
        stopPulse();
        long n = settings.readings();
        SensorModel model = new SensorModel("pre-" + runId + "-", settings.devices(), config.threshold(), config.hysteresis());
        long size = config.deviceWindowMs();
        long advance = config.deviceAdvanceMs();
        // Event time: 1 ms per reading from a minute boundary two hours ago, so each partition's records come in
        // time order and the grace period (10 s = 10,000 readings) covers any interleaving across partitions.
        long base = (System.currentTimeMillis() - Duration.ofHours(2).toMillis()) / 60_000 * 60_000;
        Map<String, Long> windows = new HashMap<>();
        Map<String, Long> alerts = new HashMap<>();
        log("Preloading " + n + " readings of " + model.devices() + " devices on " + topic(Topics.REAL_TIME_DATA));
        long t0 = System.nanoTime();
        try (Sender sender = new Sender("bench-preload-readings")) {
            for (long i = 0; i < n; i++) {
                int device = (int) (i % model.devices());
                SensorModel.Reading reading = model.next(device, base + i);
                if (reading.alertKey() != null) {
                    alerts.put(reading.alertKey(), 1L);
                }
                for (long start = reading.eventMs() / advance * advance; start > reading.eventMs() - size; start -= advance) {
                    windows.merge(reading.deviceId() + "@" + start / 1000, 1L, Long::sum);
                }
                sender.send(new ProducerRecord<>(topic(Topics.REAL_TIME_DATA), reading.key(), reading.value()));
            }
        }
        long windowsPerReading = size / advance;
        out.put("readings", n);
        out.put("devices", model.devices());
        out.put("expected_alerts", alerts.size());
        out.put("expected_device_windows", windows.size());
        out.put("preload_s", (System.nanoTime() - t0) / 1e9);

        // the peer first, then Pulse, on the same readings
        String peerId = "bench-plain-sensors-" + runId;
        List<String> peerArgs = new ArrayList<>(List.of(
            "application.id=" + peerId,
            "bootstrap.servers=" + kafka.bootstrap(),
            "input.topic=" + topic(Topics.REAL_TIME_DATA),
            "alerts.topic=" + peerTopic(Topics.TEMPERATURE_ALERTS),
            "averages.topic=" + peerTopic(Topics.DEVICE_AVERAGES),
            "threshold=" + config.threshold(),
            "hysteresis=" + config.hysteresis(),
            "window.ms=" + size,
            "advance.ms=" + advance,
            "grace.ms=" + config.graceMs(),
            "state.dir=" + dir.resolve("plain-sensors-state").toAbsolutePath()));
        for (String key : List.of("processing.guarantee", "commit.interval.ms", "statestore.cache.max.bytes", "num.stream.threads")) {
            peerArgs.add(key + "=" + config.streams(key));
        }
        log("Plain Kafka Streams sensor path: alerts and device windows");
        ChildJvm peer = child("plain-sensors", testClasspath, PlainSensorPath.class.getName(), peerArgs);
        Map<String, Object> peerResult = new LinkedHashMap<>();
        out.put("plain_streams", peerResult);
        try {
            ProgressMeter.Result r = sensorPath("plain Streams sensor path", peerTopic(Topics.DEVICE_AVERAGES),
                peerTopic(Topics.TEMPERATURE_ALERTS), peerId, model.prefix(), n, windows, alerts, windowsPerReading, peer);
            peerResult.putAll(r.describe("readings"));
            peerReadings = r.rate();
            log("plain Kafka Streams sensor path: " + Report.number(peerReadings) + " readings/s");
        } finally {
            peer.stop(Duration.ofSeconds(60));
        }

        startPulse("sensors");
        Map<String, Object> pulseResult = new LinkedHashMap<>();
        out.put("pulse", pulseResult);
        ProgressMeter.Result r = sensorPath("Pulse sensor path", topic(Topics.DEVICE_AVERAGES),
            topic(Topics.TEMPERATURE_ALERTS), alertGroup(), model.prefix(), n, windows, alerts, windowsPerReading, pulse.jvm());
        pulseResult.putAll(r.describe("readings"));
        sensorReadings = r.rate();
        log("Pulse sensor path: " + Report.number(sensorReadings) + " readings/s");
        out.put("pulse_to_plain_streams", sensorReadings / peerReadings);
    }

    /**
     * Times a sensor path from its launch until its {@code group} has committed every reading and its outputs hold
     * exactly the expected windows (latest count of each) and alerts (each once), then reads on to the end offsets.
     */
    private ProgressMeter.Result sensorPath(String what, String averagesTopic, String alertsTopic, String group,
                                            String prefix, long n, Map<String, Long> windows, Map<String, Long> alerts,
                                            long windowsPerReading, ChildJvm process) throws Exception {
        try (OutputTotals averages = new OutputTotals(kafka.consumerFromStart("bench-averages-" + averagesTopic,
                 List.of(averagesTopic)), windows, OutputTotals.Mode.LATEST, (record, sink) -> {
                     JsonNode v = json(record.value());
                     sink.accept(v.get("device_id").getStringValue() + "@" + v.get("window_start").getLongValue(),
                         v.get("count").getLongValue());
                 });
             OutputTotals alertsOut = new OutputTotals(kafka.consumerFromStart("bench-alerts-" + alertsTopic,
                 List.of(alertsTopic)), alerts, OutputTotals.Mode.COUNT, (record, sink) -> {
                     JsonNode v = json(record.value());
                     if (v.get("device_id").getStringValue().startsWith(prefix)) {
                         sink.accept(v.get("alert_id").getStringValue() + "/" + v.get("state").getStringValue(), 1L);
                     }
                 })) {
            long[] committed = {0};
            ProgressMeter.Result r = ProgressMeter.measure(what, n, new ProgressMeter.Probe() {
                @Override
                public long progress() throws Exception {
                    averages.poll(Duration.ofMillis(100));
                    alertsOut.poll(Duration.ofMillis(100));
                    committed[0] = kafka.committed(group, topic(Topics.REAL_TIME_DATA));
                    return Math.min(averages.sum() / windowsPerReading, committed[0]);
                }

                @Override
                public boolean done() {
                    return committed[0] == n && averages.matches() && alertsOut.matches();
                }

                @Override
                public String describe() {
                    return group + " committed " + committed[0] + " of " + n + "; " + averagesTopic + ": "
                        + averages.describeMismatch(3) + "; " + alertsTopic + ": " + alertsOut.describeMismatch(3);
                }
            }, settings.stallTimeout(), process);
            confirmNoMore(averages, averagesTopic);
            confirmNoMore(alertsOut, alertsTopic);
            return r;
        }
    }

    private void latency(Map<String, Object> out) throws Exception {
        ensurePulseReady();
        out.putAll(loadPhase(settings.warmup(), settings.duration(), null));
    }

    private void dashboard(Map<String, Object> out) throws Exception {
        HttpLoad.prepare(settings.httpClient());
        ensurePulseReady();
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            paths.add("/api/words/" + vocabulary.get(i * 7 % Math.min(200, vocabulary.size())));
            paths.add("/api/categories");
            paths.add("/api/devices/" + loadModel.sensors.id(i * 13 % loadModel.sensors.devices()));
            paths.add("/api/words?top=10");
        }
        Map<String, Object> reads = new LinkedHashMap<>();
        out.putAll(loadPhase(settings.warmup(), settings.duration(), () -> {
            Thread.sleep(settings.warmup().toMillis());
            Map<String, Object> firstAnswers = new LinkedHashMap<>();
            for (String path : List.of(paths.get(0), paths.get(1), paths.get(2), paths.get(3))) {
                firstAnswers.put(path, get(path).statusCode());
            }
            reads.put("first_answers", firstAnswers);
            Map<String, Double> before = metrics("pulse_cache_hits_total", "pulse_cache_misses_total", NEAR_HITS);
            Map<String, double[]> byEndpointBefore = cacheReadsByEndpoint();
            reads.putAll(HttpLoad.run(settings.httpClient(), pulse.host(), pulse.port(), paths, settings.connections(),
                settings.duration(), dir));
            Map<String, Double> after = metrics("pulse_cache_hits_total", "pulse_cache_misses_total", NEAR_HITS);
            double hits = after.get("pulse_cache_hits_total") - before.get("pulse_cache_hits_total");
            double misses = after.get("pulse_cache_misses_total") - before.get("pulse_cache_misses_total");
            reads.put("cache_hit_ratio", hits + misses > 0 ? hits / (hits + misses) : Double.NaN);
            double nearHits = after.get(NEAR_HITS) - before.get(NEAR_HITS);
            reads.put("near_hit_ratio", hits + misses > 0 ? nearHits / (hits + misses) : Double.NaN);
            Map<String, Object> missesByEndpoint = new java.util.TreeMap<>();
            cacheReadsByEndpoint().forEach((endpoint, counts) -> {
                double[] start = byEndpointBefore.getOrDefault(endpoint, new double[2]);
                double endpointHits = counts[0] - start[0];
                double endpointMisses = counts[1] - start[1];
                if (endpointHits + endpointMisses > 0) {
                    missesByEndpoint.put(endpoint, Map.of("reads", (long) (endpointHits + endpointMisses),
                        "misses", (long) endpointMisses));
                }
            });
            reads.put("cache_misses_by_endpoint", missesByEndpoint);
            reads.put("paths", paths.size() + " paths: /api/words/{w}, /api/categories, /api/devices/{id}, /api/words?top=10 in turn");
        }));
        out.put("reads", reads);
        if (((Number) reads.getOrDefault("non_200", 0L)).longValue() > 0) {
            throw new BenchFailure("dashboard reads: " + reads.get("non_200") + " answers other than 200");
        }
        log("dashboard reads: " + Report.number(((Number) reads.get("requests_per_s")).doubleValue()) + " requests/s, p99 "
            + reads.get("p99_ms") + " ms");
    }

    private void soak(Map<String, Object> out) throws Exception {
        ensurePulseReady();
        Duration soak = settings.soak();
        Map<String, Object> heap = new LinkedHashMap<>();
        out.putAll(loadPhase(settings.warmup(), soak, () -> {
            long warm = Math.min(30_000, soak.toMillis() / 10);
            Thread.sleep(settings.warmup().toMillis());
            long startedAt = System.currentTimeMillis();
            sleepUntil(startedAt + warm);
            heap.put("start_mb", pulseGc.heapAfterFullGc(pulse.pid()));
            heap.put("start_at_s", (System.currentTimeMillis() - startedAt) / 1000.0);
            sleepUntil(startedAt + soak.toMillis() / 2);
            heap.put("middle_mb", pulseGc.heapAfterFullGc(pulse.pid()));
            heap.put("middle_at_s", (System.currentTimeMillis() - startedAt) / 1000.0);
            sleepUntil(startedAt + soak.toMillis() - Math.min(5000, soak.toMillis() / 10));
            heap.put("end_mb", pulseGc.heapAfterFullGc(pulse.pid()));
            heap.put("end_at_s", (System.currentTimeMillis() - startedAt) / 1000.0);
            log("soak heap after full GC: start " + heap.get("start_mb") + " MB, middle " + heap.get("middle_mb")
                + " MB, end " + heap.get("end_mb") + " MB");
        }));
        long start = ((Number) heap.get("start_mb")).longValue();
        long end = ((Number) heap.get("end_mb")).longValue();
        out.put("heap_after_full_gc", heap);
        if (start < 0 || ((Number) heap.get("middle_mb")).longValue() < 0 || end < 0) {
            throw new BenchFailure("soak: a full GC requested with jcmd did not show in Pulse's GC log " + heap);
        }
        heap.put("growth_mb", end - start);
    }

    private interface During {
        void run() throws Exception;
    }

    /** Runs the mixed load for warm-up + length (and {@code during} meanwhile), checks its outputs, reports. */
    private Map<String, Object> loadPhase(Duration warmup, Duration length, During during) throws Exception {
        loadRan = true;
        log("Load: " + settings.rate() + " events/s for " + warmup.toSeconds() + " s of warm-up + " + length.toSeconds()
            + " s, mix " + settings.mix());
        TargetRateLoad load = new TargetRateLoad(loadModel, kafka, this::topic, settings.rate(), warmup, length,
            settings.mix());
        load.start();
        Exception duringFailure = null;
        if (during != null) {
            try {
                during.run();
            } catch (Exception e) {
                duringFailure = e;
            }
        }
        List<String> problems = load.awaitOutputs(Duration.ofSeconds(Math.max(60, settings.stallTimeout().toSeconds())));
        Map<String, Object> report = load.report();
        if (!(Boolean) report.get("target_reached")) {
            report.put("note", "the producer did not reach the target rate: " + Report.number((Double) report.get("achieved_rate"))
                + " of " + settings.rate() + " events/s");
        }
        log("  achieved " + Report.number((Double) report.get("achieved_rate")) + " events/s; latency (ms) "
            + report.get("latency_ms"));
        if (duringFailure != null) {
            throw duringFailure;
        }
        if (!problems.isEmpty()) {
            if (!pulse.isAlive()) {
                problems.add("Pulse exited; its log ends:\n" + pulse.logTail(30));
            }
            report.put("problems", problems);
            throw new BenchFailure(String.join("; ", problems));
        }
        return report;
    }

    private void finalChecks(Map<String, Object> out) throws Exception {
        Map<String, Long> expected = expectedWordTotals();
        try (OutputTotals totals = new OutputTotals(kafka.consumerFromStart("bench-final-words", List.of(topic(Topics.WORD_TOTALS))),
            expected, OutputTotals.Mode.LATEST,
            (record, sink) -> sink.accept(text(record.key()), Long.parseLong(text(record.value()).trim())))) {
            long deadline = System.nanoTime() + settings.stallTimeout().toNanos();
            while (!totals.matches() && System.nanoTime() < deadline) {
                totals.poll(Duration.ofMillis(200));
            }
            if (!totals.matches()) {
                throw new BenchFailure("word-totals after every phase: " + totals.describeMismatch(5));
            }
            out.put("word_totals", "all " + expected.size() + " words at their expected counts ("
                + expected.values().stream().mapToLong(Long::longValue).sum() + " words)");
        }
        long deadLetters = countRecords(topic(Topics.DEAD_LETTER_QUEUE));
        out.put("dead_letters", deadLetters);
        if (deadLetters > 0) {
            throw new BenchFailure(deadLetters + " records in the dead-letter queue; the driver sends only valid ones");
        }
    }

    // --- Pulse ---------------------------------------------------------------------------------------------------------

    /** Launches Pulse (without waiting for it: the throughput scenarios time it from its launch). */
    private void startPulse(String label) throws IOException, InterruptedException {
        stopPulse();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("kafka.bootstrap.servers", kafka.bootstrap());
        props.put("redis.uri", redisUri);
        props.put("pulse.demo.enabled", "false");
        for (String t : concat(Topics.INPUTS, Topics.OUTPUTS)) {
            props.put("pulse.topics." + t, topic(t));
        }
        for (String listener : LISTENERS) {
            props.put("pulse.listeners." + listener + ".group-id", "bench-" + listener + "-" + runId);
        }
        props.put("kafka.streams.default.application.id", "pulse-aggregates-" + runId);
        // Kafka Streams does not leave its group on close: the next launch of the run would wait for the previous
        // member to expire (session.timeout.ms, 45 s by default) before its first task runs, while the listeners,
        // which do leave, start at once. 10 s (as in the fault drills) keeps that wait short.
        props.put("kafka.streams.default.consumer.session.timeout.ms", "10000");
        props.put("kafka.streams.default.state.dir", dir.resolve("pulse-state").toAbsolutePath().toString());
        props.putAll(settings.pulseProperties());
        String name = "pulse-" + (++pulseStarts) + "-" + label;
        pulseGc = GcLog.of(dir, name, settings.heap());
        gcLogs.put(name, pulseGc);
        pulse = PulseProcess.named(name).classpath(pulseClasspath).heap(settings.heap()).jvmOptions(pulseGc.jvmOptions())
            .logFile(dir.resolve(name + ".log")).properties(props).start();
        log("Started Pulse (pid " + pulse.pid() + ", port " + pulse.port() + "), log " + pulse.log());
    }

    /** Another program in a child JVM with the benchmark's heap and a GC log of its own. */
    private ChildJvm child(String name, List<String> classpath, String mainClass, List<String> args) throws IOException {
        GcLog gc = GcLog.of(dir, name, settings.heap());
        gcLogs.put(name, gc);
        return ChildJvm.builder(name, mainClass).classpath(classpath).heap(settings.heap()).jvmOptions(gc.jvmOptions())
            .logFile(dir.resolve(name + ".log")).args(args).start();
    }

    private void ensurePulseReady() throws Exception {
        if (pulse == null || !pulse.isAlive()) {
            startPulse("load");
        }
        try {
            pulse.waitUntilReady(Duration.ofMinutes(5));
        } catch (AssertionError notReady) {
            throw new BenchFailure(notReady.getMessage());
        }
    }

    private void stopPulse() throws InterruptedException {
        if (pulse != null) {
            pulse.stop(Duration.ofSeconds(60));
            pulse = null;
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(pulse.uri(path))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sums of Prometheus series by metric name (every label combination). */
    private Map<String, Double> metrics(String... names) throws IOException, InterruptedException {
        Map<String, Double> sums = new LinkedHashMap<>();
        for (String name : names) {
            sums.put(name, 0.0);
        }
        for (String line : get("/prometheus").body().lines().toList()) {
            for (String name : names) {
                if (name.equals(NEAR_HITS) ? line.startsWith("pulse_cache_hits_total{") && line.contains("tier=\"near\"")
                    : line.startsWith(name + "{") || line.startsWith(name + " ")) {
                    String value = line.substring(line.lastIndexOf(' ') + 1);
                    sums.merge(name, Double.parseDouble(value), Double::sum);
                }
            }
        }
        return sums;
    }

    /**
     * Every cached endpoint's reads so far: {@code [hits of either tier, misses]}, from the {@code endpoint} label of
     * {@code pulse_cache_hits_total} and {@code pulse_cache_misses_total}.
     */
    private Map<String, double[]> cacheReadsByEndpoint() throws IOException, InterruptedException {
        Map<String, double[]> reads = new LinkedHashMap<>();
        for (String line : get("/prometheus").body().lines().toList()) {
            int kind = line.startsWith("pulse_cache_hits_total{") ? 0
                : line.startsWith("pulse_cache_misses_total{") ? 1 : -1;
            int label = line.indexOf("endpoint=\"");
            if (kind < 0 || label < 0) {
                continue;
            }
            int start = label + "endpoint=\"".length();
            String endpoint = line.substring(start, line.indexOf('"', start));
            reads.computeIfAbsent(endpoint, e -> new double[2])[kind] +=
                Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return reads;
    }

    // --- helpers -------------------------------------------------------------------------------------------------------

    /** The driver's producer for preloads: fails on the first error, waits for everything on close. */
    private final class Sender implements AutoCloseable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final AtomicReference<Exception> error = new AtomicReference<>();
        private final AtomicLong sent = new AtomicLong();

        Sender(String clientId) {
            producer = kafka.producer(clientId);
        }

        void send(ProducerRecord<byte[], byte[]> record) {
            if (error.get() != null) {
                throw new BenchFailure("preload failed: " + error.get());
            }
            producer.send(record, (m, e) -> {
                if (e != null) {
                    error.compareAndSet(null, e);
                }
            });
            sent.incrementAndGet();
        }

        @Override
        public void close() {
            producer.flush();
            producer.close();
            if (error.get() != null) {
                throw new BenchFailure("preload failed: " + error.get());
            }
        }
    }

    private Map<String, Long> expectedWordTotals() {
        Map<String, Long> expected = new HashMap<>();
        for (int i = 0; i < wordTotals.length; i++) {
            if (wordTotals[i] > 0) {
                expected.put(vocabulary.get(i), wordTotals[i]);
            }
        }
        return expected;
    }

    private long countRecords(String topic) throws Exception {
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumerFromStart("bench-count", List.of(topic))) {
            int empty = 0;
            while (empty < 3) {
                int n = consumer.poll(Duration.ofMillis(500)).count();
                count += n;
                empty = n == 0 ? empty + 1 : 0;
            }
        }
        return count;
    }

    String topic(String contractTopic) {
        return contractTopic + "-" + runId;
    }

    private String peerOutput() {
        return "plain-word-totals-" + runId;
    }

    /** The plain Streams sensor peer's output in place of {@code contractTopic}. */
    private String peerTopic(String contractTopic) {
        return "plain-" + contractTopic + "-" + runId;
    }

    private String baselineTopic() {
        return "broker-baseline-" + runId;
    }

    private String alertGroup() {
        return "bench-sensor-" + runId;
    }

    private static JsonNode json(byte[] value) {
        try {
            return JSON.readValue(value, JsonNode.class);
        } catch (IOException e) {
            throw new BenchFailure("an output that is not JSON: " + text(value));
        }
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void sleepUntil(long epochMs) throws InterruptedException {
        long wait = epochMs - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }

    private static void log(String message) {
        System.out.printf("[bench %s] %s%n", LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")), message);
    }

    /**
     * The test classpath this runs with: the URLs of the class loader exec:java builds (its JVM's own class path is
     * Maven's), or {@code java.class.path} when started with plain {@code java -cp}.
     */
    private static List<String> testClasspath() {
        List<String> entries = new ArrayList<>();
        ClassLoader loader = LoadDriver.class.getClassLoader();
        if (loader instanceof URLClassLoader urls && urls.getURLs().length > 0) {
            for (URL url : urls.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (Exception e) {
                    entries.add(url.getPath());
                }
            }
        } else {
            entries.addAll(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        }
        return entries;
    }

    /**
     * Pulse's production classpath: its classes and its runtime dependencies (the profile writes them to
     * {@code target/bench/runtime-classpath.txt}), without the test classes, test resources or test-only jars.
     */
    private static List<String> pulseClasspath(List<String> testClasspath) throws IOException {
        Path file = Path.of("target", "bench", "runtime-classpath.txt");
        String classes = testClasspath.stream().filter(e -> e.replace('\\', '/').endsWith("target/classes")).findFirst()
            .orElseThrow(() -> new IllegalStateException("no target/classes on the classpath " + testClasspath));
        if (!Files.exists(file)) {
            throw new IllegalStateException(file + " is missing: run the driver with ./mvnw -Pbench, which writes it");
        }
        List<String> entries = new ArrayList<>();
        entries.add(classes);
        for (String entry : Files.readString(file).trim().split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                entries.add(entry);
            }
        }
        return entries;
    }

    // --- ratios and summary --------------------------------------------------------------------------------------------

    private Map<String, Object> ratios() {
        Map<String, Object> r = new LinkedHashMap<>();
        double lines = pulseWords / settings.wordsPerLine();
        r.put("wordcount_pulse_to_plain_streams", pulseWords / peerWords);
        r.put("wordcount_pulse_records_to_broker_consume", lines / brokerConsume);
        r.put("wordcount_pulse_records_to_broker_produce", lines / brokerProduce);
        r.put("wordcount_plain_streams_records_to_broker_consume", peerWords / settings.wordsPerLine() / brokerConsume);
        r.put("sensors_pulse_to_plain_streams", sensorReadings / peerReadings);
        r.put("sensors_pulse_to_broker_consume", sensorReadings / brokerConsume);
        r.put("sensors_pulse_to_broker_produce", sensorReadings / brokerProduce);
        return r;
    }

    @SuppressWarnings("unchecked")
    private String summary(Path file) {
        Report.Table t = new Report.Table();
        t.section("Pulse benchmark, run " + runId + " (scale " + settings.scale() + "): Kafka "
            + (settings.bootstrapServers() == null ? "embedded" : settings.bootstrapServers()) + ", Redis "
            + (settings.redisUri() == null ? "embedded" : settings.redisUri()) + "; child JVMs -Xmx" + settings.heap()
            + "; Streams " + (config == null ? "?" : config.streams("processing.guarantee") + ", commit "
            + config.streams("commit.interval.ms") + " ms, cache " + config.streams("statestore.cache.max.bytes") + " B"));
        if (results.get("baseline") instanceof Map<?, ?> b && b.containsKey("produce")) {
            t.section("Broker baselines (" + b.get("topic_partitions") + " partitions, mean record "
                + Report.number(((Number) b.get("payload_mean_bytes")).doubleValue()) + " B, compression " + settings.compression() + ")");
            t.row("produce (ProducerPerformance)", Report.number(brokerProduce) + " records/s", null);
            t.row("consume (ConsumerPerformance)", Report.number(brokerConsume) + " records/s", null);
        }
        if (results.get("wordcount") instanceof Map<?, ?> w && w.containsKey("words")) {
            t.section("Word count (" + w.get("words") + " words preloaded, lines of " + settings.wordsPerLine() + ")");
            t.row("Pulse", Report.number(pulseWords) + " words/s", Report.ratio(pulseWords / peerWords)
                + " plain Streams; " + Report.ratio(pulseWords / settings.wordsPerLine() / brokerConsume) + " broker consume, "
                + Report.ratio(pulseWords / settings.wordsPerLine() / brokerProduce) + " broker produce (records)");
            t.row("plain Kafka Streams peer", Report.number(peerWords) + " words/s",
                Report.ratio(peerWords / settings.wordsPerLine() / brokerConsume) + " broker consume (records)");
        }
        if (results.get("sensors") instanceof Map<?, ?> s && s.containsKey("readings")) {
            t.section("Sensor path (" + s.get("readings") + " readings of " + s.get("devices") + " devices preloaded; "
                + s.get("expected_alerts") + " alerts)");
            t.row("Pulse: alerts + device-averages", Report.number(sensorReadings) + " readings/s",
                Report.ratio(sensorReadings / peerReadings) + " plain Streams; " + Report.ratio(sensorReadings / brokerConsume)
                    + " broker consume, " + Report.ratio(sensorReadings / brokerProduce) + " broker produce");
            t.row("plain Kafka Streams peer", Report.number(peerReadings) + " readings/s",
                Report.ratio(peerReadings / brokerConsume) + " broker consume");
        }
        for (String phase : List.of("latency", "dashboard", "soak")) {
            if (results.get(phase) instanceof Map<?, ?> p && p.containsKey("latency_ms")) {
                t.section(switch (phase) {
                    case "latency" -> "Latency";
                    case "dashboard" -> "Under dashboard reads";
                    default -> "Soak";
                } + " at " + p.get("target_rate") + " events/s (achieved " + Report.number(((Number) p.get("achieved_rate")).doubleValue())
                    + (Boolean.TRUE.equals(p.get("target_reached")) ? "" : ", TARGET NOT REACHED") + "; mix " + settings.mix() + ")");
                Map<String, Object> latency = (Map<String, Object>) p.get("latency_ms");
                latency.forEach((topic, v) -> {
                    Map<String, Object> q = (Map<String, Object>) v;
                    t.row(topic + " p50/p95/p99", q.containsKey("p50")
                        ? q.get("p50") + " / " + q.get("p95") + " / " + q.get("p99") + " ms" : "none", q.get("count") + " outputs");
                });
                if (p.get("reads") instanceof Map<?, ?> reads && reads.containsKey("requests_per_s")) {
                    t.row("dashboard reads", Report.number(((Number) reads.get("requests_per_s")).doubleValue()) + " requests/s",
                        "p50 " + reads.get("p50_ms") + " ms, p99 " + reads.get("p99_ms") + " ms, " + reads.get("non_200")
                            + " non-200, " + reads.get("socket_errors") + " socket errors/timeouts, cache hits " + Report.number(100 * ((Number) reads.get("cache_hit_ratio")).doubleValue())
                            + "% (near " + Report.number(100 * ((Number) reads.get("near_hit_ratio")).doubleValue()) + "%), " + reads.get("connections") + " connections, " + reads.get("client"));
                    if (reads.get("cache_misses_by_endpoint") instanceof Map<?, ?> byEndpoint
                        && !byEndpoint.isEmpty()) {
                        StringBuilder misses = new StringBuilder();
                        byEndpoint.forEach((endpoint, v) -> {
                            Map<?, ?> counts = (Map<?, ?>) v;
                            long missed = ((Number) counts.get("misses")).longValue();
                            long all = ((Number) counts.get("reads")).longValue();
                            misses.append(misses.isEmpty() ? "" : ", ").append(endpoint).append(' ')
                                .append(String.format(Locale.ROOT, "%,d of %,d", missed, all));
                        });
                        t.row("cache misses by endpoint", "misses of reads", misses.toString());
                    }
                }
                if (p.get("heap_after_full_gc") instanceof Map<?, ?> heap) {
                    t.row("heap after full GC start/middle/end", heap.get("start_mb") + " / " + heap.get("middle_mb") + " / "
                        + heap.get("end_mb") + " MB", "growth " + heap.get("growth_mb") + " MB");
                }
            }
        }
        if (results.get("heap_after_gc") instanceof Map<?, ?> heaps && !heaps.isEmpty()) {
            t.section("Heap after GC (peak over the JVM's life)");
            heaps.forEach((name, h) -> t.row(String.valueOf(name), ((Map<?, ?>) h).get("max_after_gc_mb") + " MB",
                ((Map<?, ?>) h).get("collections") + " collections"));
        }
        if (results.get("final_checks") instanceof Map<?, ?> f && f.containsKey("word_totals")) {
            t.section("Final checks: word-totals " + f.get("word_totals") + "; dead letters " + f.get("dead_letters"));
        }
        t.section(failures.isEmpty() ? "Every output matched what was sent." : "FAILED:\n  " + String.join("\n  ", failures));
        t.section("Results: " + file);
        return t.render();
    }
}
