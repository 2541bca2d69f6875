package dev.pulse.bench;

import dev.pulse.testkit.ChildJvm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The raw broker's figures, for the ratios: Kafka's own {@code ProducerPerformance} writes records shaped like
 * Pulse's inputs (sample events of the mix, from a payload file) to a topic with the contract topics' partition count,
 * with the driver's producer settings, and {@code ConsumerPerformance} reads them back, read_committed. Each runs in
 * a child JVM with the benchmark's heap.
 */
final class BrokerBaseline {

    private static final Pattern PRODUCED = Pattern.compile(
        "(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), ([\\d.]+) ms avg latency, ([\\d.]+) ms max latency, "
            + "(\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th");

    private BrokerBaseline() {
    }

    static Map<String, Object> run(BenchKafka kafka, String topic, long records, List<String> classpath, String heap,
                                   Path dir, List<byte[]> samples) throws Exception {
        Path payloads = dir.resolve("baseline-payloads.txt");
        StringBuilder text = new StringBuilder();
        long bytes = 0;
        for (byte[] sample : samples) {
            text.append(new String(sample, StandardCharsets.UTF_8).replace('\n', ' ')).append('\n');
            bytes += sample.length;
        }
        Files.writeString(payloads, text, StandardCharsets.UTF_8);

        List<String> producerArgs = new ArrayList<>(List.of("--topic", topic, "--num-records", Long.toString(records),
            "--throughput", "-1", "--payload-file", payloads.toString(), "--producer-props"));
        kafka.producerSettings().forEach((k, v) -> producerArgs.add(k + "=" + v));
        String produced = runTool("broker-producer-perf", "org.apache.kafka.tools.ProducerPerformance", producerArgs,
            classpath, heap, dir);
        Matcher p = PRODUCED.matcher(produced);
        if (!p.find()) {
            throw new BenchFailure("ProducerPerformance printed no summary:\n" + produced);
        }
        Map<String, Object> producer = new LinkedHashMap<>();
        producer.put("records", Long.parseLong(p.group(1)));
        producer.put("records_per_s", Double.parseDouble(p.group(2)));
        producer.put("mb_per_s", Double.parseDouble(p.group(3)));
        producer.put("latency_avg_ms", Double.parseDouble(p.group(4)));
        producer.put("latency_p50_ms", Long.parseLong(p.group(6)));
        producer.put("latency_p99_ms", Long.parseLong(p.group(8)));
        producer.put("settings", kafka.producerSettings().entrySet().stream()
            .filter(e -> !e.getKey().equals("bootstrap.servers")).map(e -> e.getKey() + "=" + e.getValue()).sorted().toList());

        Path consumerConfig = dir.resolve("baseline-consumer.properties");
        Files.writeString(consumerConfig, "isolation.level=read_committed\nauto.offset.reset=earliest\n");
        String consumed = runTool("broker-consumer-perf", "org.apache.kafka.tools.ConsumerPerformance", List.of(
            "--bootstrap-server", kafka.bootstrap(), "--topic", topic, "--messages", Long.toString(records),
            "--group", "bench-consumer-perf-" + topic, "--timeout", "60000", "--consumer.config", consumerConfig.toString()),
            classpath, heap, dir);
        // header, then: start.time, end.time, MB, MB.sec, nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
        String[] fields = consumed.lines().filter(l -> l.matches("^\\d{4}-.*")).reduce((a, b) -> b)
            .orElseThrow(() -> new BenchFailure("ConsumerPerformance printed no summary:\n" + consumed)).split(",\\s*");
        Map<String, Object> consumer = new LinkedHashMap<>();
        consumer.put("records", Long.parseLong(fields[4]));
        consumer.put("records_per_s", Double.parseDouble(fields[9]));
        consumer.put("mb_per_s", Double.parseDouble(fields[8]));
        consumer.put("records_per_s_with_group_join", Double.parseDouble(fields[5]));
        consumer.put("group_join_ms", Long.parseLong(fields[6]));
        if (Long.parseLong(fields[4]) < records) {
            throw new BenchFailure("ConsumerPerformance read " + fields[4] + " of " + records + " records");
        }

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("topic_partitions", kafka.partitions(topic).size());
        result.put("payload_mean_bytes", (double) bytes / samples.size());
        result.put("produce", producer);
        result.put("consume", consumer);
        return result;
    }

    private static String runTool(String name, String mainClass, List<String> args, List<String> classpath, String heap,
                                  Path dir) throws Exception {
        ChildJvm tool = ChildJvm.builder(name, mainClass).classpath(classpath).heap(heap)
            .jvmOptions(GcLog.of(dir, name, heap).jvmOptions()).logFile(dir.resolve(name + ".log")).args(args).start();
        int exit = tool.waitFor(Duration.ofMinutes(10));
        if (exit != 0) {
            tool.stop(Duration.ofSeconds(60));
            throw new BenchFailure(mainClass + " ended with " + exit + ":\n" + tool.logTail(30));
        }
        return tool.output();
    }
}
