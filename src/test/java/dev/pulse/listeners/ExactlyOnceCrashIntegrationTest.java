package dev.pulse.listeners;

import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.PulseProcess;
import dev.pulse.testkit.TestServers;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly once across a SIGKILL, with nothing configured per instance: Pulse runs in child JVMs, the test streams
 * records into {@code input-topic} and {@code real-time-data} at a steady rate, and an instance is killed while it
 * has a transaction open (the test freezes it with SIGSTOP until the broker reports one of its transactions ongoing).
 * A {@code read_committed} reader then sees, compared with what the test sent, exactly one output per valid record,
 * one dead letter per invalid one, and one RAISED and one CLEARED per temperature excursion (also for the excursions
 * open at the kill, whose state is in Redis).
 */
class ExactlyOnceCrashIntegrationTest {

    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceCrashIntegrationTest.class);
    private static final int PARTITIONS = 3;
    private static final int BAD_EVERY = 97;
    private static final int DEVICES = 24;
    private static final double[] CYCLE = {40, 55, 57, 53, 44, 41}; // one excursion: RAISED at 55, CLEARED at 44
    private static final long READING_EPOCH_S = 1_700_000_000L;
    /** The listeners' session timeout, short as an ECS deployment may set it: how long a killed member keeps its partitions. */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    /** What the issue allows on top of the session timeout for the partitions to produce again. */
    private static final Duration TAKEOVER_SLACK = Duration.ofSeconds(5);
    private static final JsonMapper JSON = ObjectMapper.getDefault();

    private final IsolatedTopics topics = new IsolatedTopics();
    private final String transformGroup = "it-transform-" + topics.suffix();
    private final String sensorGroup = "it-sensor-" + topics.suffix();
    private final List<PulseProcess> children = new ArrayList<>();
    private final String bootstrap = TestServers.kafkaBootstrapServers();

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (PulseProcess child : children) {
            child.close();
        }
    }

    /** One instance, killed mid-transaction and started again: the restart fences the dead one's transactions. */
    @Test
    void killedMidTransactionAndRestartedItWritesEveryOutputExactlyOnce() throws Exception {
        createTopics();
        try (Admin admin = admin(); Load load = new Load(); Tail tail = new Tail()) {
            PulseProcess first = start("first");
            awaitMembers(admin, 1);
            load.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> tail.outputs(Topics.OUTPUT_TOPIC) >= 300);

            Kill kill = killMidTransaction(admin, first, allInputPartitions());
            start("second");
            Map<TopicPartition, Long> recovery = awaitRecovery(load, tail, allInputPartitions(), kill.atNanos());
            long sentAtRecovery = load.sent();
            await().atMost(Duration.ofSeconds(60)).until(() -> load.sent() >= sentAtRecovery + 300);
            load.stop();
            LOG.info("Restart: killed with {} open, every partition producing again {} ms after the kill (JVM start-up included)",
                kill.open().keySet(), recovery.values().stream().mapToLong(Long::longValue).max().orElseThrow());

            assertExactlyOnce(admin, load);
        }
    }

    /**
     * Two instances share the work; one is killed mid-transaction. The survivor gets the killed one's partitions when
     * the group's session times out and, creating their producers, aborts the transactions left open at once: those
     * partitions' outputs flow again within the session timeout plus a few seconds, not after
     * {@code transaction.timeout.ms}; and every input has exactly one output.
     */
    @Test
    void whenOneOfTwoInstancesIsKilledMidTransactionTheOtherResumesItsPartitionsWithinTheSessionTimeout() throws Exception {
        createTopics();
        try (Admin admin = admin(); Load load = new Load(); Tail tail = new Tail()) {
            PulseProcess killed = start("killed");
            awaitMembers(admin, 1);
            List<String> killedMembers = memberIds(admin);
            load.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> tail.outputs(Topics.OUTPUT_TOPIC) >= 100);
            start("survivor");
            awaitMembers(admin, 2);
            // Both instances commit: every partition has outputs of inputs sent once the group was stable.
            long stable = System.nanoTime();
            awaitRecovery(load, tail, allInputPartitions(), stable);

            Map<String, Set<TopicPartition>> owned = owned(admin);
            Set<TopicPartition> killedPartitions = new HashSet<>();
            killedMembers.forEach(member -> killedPartitions.addAll(owned.get(member)));
            assertTrue(killedPartitions.stream().anyMatch(p -> p.topic().equals(topics.name(Topics.INPUT_TOPIC)))
                && killedPartitions.stream().anyMatch(p -> p.topic().equals(topics.name(Topics.REAL_TIME_DATA))),
                "the instance to kill owns partitions of both listeners: " + owned);
            Kill kill = killMidTransaction(admin, killed, killedPartitions);

            Map<TopicPartition, Long> recovery = awaitRecovery(load, tail, allInputPartitions(), kill.atNanos());
            long sentAtRecovery = load.sent();
            await().atMost(Duration.ofSeconds(60)).until(() -> load.sent() >= sentAtRecovery + 300);
            load.stop();

            Map<String, TransactionDescription> after = admin.describeTransactions(kill.open().keySet()).all()
                .get(30, TimeUnit.SECONDS);
            Map<TopicPartition, Long> killedRecovery = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
            killedPartitions.forEach(p -> killedRecovery.put(p, recovery.get(p)));
            long worst = killedRecovery.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            LOG.info("Takeover: killed with transactions open {}; the killed instance's partitions produced again after "
                    + "{} ms (worst {} ms; session timeout {} ms); the survivor's own after {} ms; "
                    + "the open transactions afterwards: {}", kill.open().keySet(), killedRecovery, worst,
                SESSION_TIMEOUT.toMillis(), survivors(recovery, killedPartitions), states(after));
            for (Map.Entry<String, TransactionDescription> open : kill.open().entrySet()) {
                assertTrue(after.get(open.getKey()).producerEpoch() > open.getValue().producerEpoch(),
                    "a newer producer of " + open.getKey() + " took over: " + after.get(open.getKey()));
            }
            assertTrue(worst <= SESSION_TIMEOUT.plus(TAKEOVER_SLACK).toMillis(),
                "the killed instance's partitions produce again within the session timeout + "
                    + TAKEOVER_SLACK.toSeconds() + " s: " + killedRecovery);

            assertExactlyOnce(admin, load);
        }
    }

    private PulseProcess start(String name) throws IOException {
        PulseProcess process = PulseProcess.named("crash-test-" + name).testServers()
            .properties(topics.allTopicsProperties())
            // Each child runs the aggregates stream too (PulseProcess gives it a state directory of its own), under
            // an application id of this test's.
            .property("kafka.streams.default.application.id", "pulse-aggregates-crash-" + topics.suffix())
            .property("kafka.consumers.default.session.timeout.ms", Long.toString(SESSION_TIMEOUT.toMillis()))
            .property("kafka.consumers.default.heartbeat.interval.ms", "1000")
            .start();
        children.add(process);
        return process;
    }

    // --- the kill ----------------------------------------------------------------------------------------------------

    /** When the kill happened, the partitions the killed instance owned, its transactions open at that moment. */
    private record Kill(long atNanos, Set<TopicPartition> partitions, Map<String, TransactionDescription> open) {
    }

    /**
     * Freezes {@code victim} (SIGSTOP) until the broker reports one of its partitions' transactions ongoing, then
     * SIGKILLs it: a transaction is certainly left open. Between tries it lets the victim run again (SIGCONT).
     */
    private Kill killMidTransaction(Admin admin, PulseProcess victim, Set<TopicPartition> partitions) throws Exception {
        Set<String> ids = new HashSet<>();
        for (TopicPartition partition : partitions) {
            String group = partition.topic().equals(topics.name(Topics.INPUT_TOPIC)) ? transformGroup : sensorGroup;
            ids.add(TransactionalBatchRunner.transactionalId("pulse", group, partition));
        }
        for (int attempt = 1; attempt <= 500; attempt++) {
            signal("STOP", victim.pid());
            Map<String, TransactionDescription> open = new HashMap<>();
            admin.describeTransactions(ids).all().get(30, TimeUnit.SECONDS).forEach((id, description) -> {
                if (description.state() == TransactionState.ONGOING) {
                    open.put(id, description);
                }
            });
            if (!open.isEmpty()) {
                victim.sigkill();
                long at = System.nanoTime();
                assertFalse(victim.isAlive());
                LOG.info("SIGKILL at try {} with transactions open: {}", attempt, states(open));
                return new Kill(at, partitions, open);
            }
            signal("CONT", victim.pid());
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, 40)); // a pause between tries, not a wait for anything
        }
        throw new AssertionError("no transaction of " + ids + " was ever seen open");
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor(), "kill -" + signal);
    }

    /**
     * Waits until each of {@code partitions} has an output (or alert) of an input sent after {@code sinceNanos} that
     * a read_committed reader has seen, and returns how long after {@code sinceNanos} that was, per partition.
     */
    private Map<TopicPartition, Long> awaitRecovery(Load load, Tail tail, Set<TopicPartition> partitions, long sinceNanos) {
        Map<TopicPartition, Long> recovered = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
        List<Arrival> unresolved = new ArrayList<>(); // outputs that came before their input's acknowledgement
        int[] seen = {0};
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<Arrival> fresh = tail.arrivalsFrom(seen[0]);
            seen[0] += fresh.size();
            List<Arrival> arrivals = new ArrayList<>(unresolved);
            unresolved.clear();
            arrivals.addAll(fresh);
            for (Arrival arrival : arrivals) {
                if (arrival.nanos() < sinceNanos) {
                    continue;
                }
                Sent input = load.inputOf(arrival);
                if (input == null) {
                    unresolved.add(arrival);
                } else if (input.sentNanos() > sinceNanos && partitions.contains(input.partition())) {
                    recovered.merge(input.partition(), (arrival.nanos() - sinceNanos) / 1_000_000, Math::min);
                }
            }
            return recovered.keySet().containsAll(partitions);
        });
        return recovered;
    }

    private static Map<TopicPartition, Long> survivors(Map<TopicPartition, Long> recovery, Set<TopicPartition> killed) {
        Map<TopicPartition, Long> others = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
        recovery.forEach((p, ms) -> {
            if (!killed.contains(p)) {
                others.put(p, ms);
            }
        });
        return others;
    }

    private static Map<String, String> states(Map<String, TransactionDescription> transactions) {
        Map<String, String> states = new TreeMap<>();
        transactions.forEach((id, t) -> states.put(id, t.state() + " epoch " + t.producerEpoch() + " " + t.topicPartitions()));
        return states;
    }

    // --- the group -----------------------------------------------------------------------------------------------------

    /** Waits until the transform and sensor groups are stable with {@code count} members, each owning partitions. */
    private void awaitMembers(Admin admin, int count) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> {
            for (ConsumerGroupDescription group : groups(admin)) {
                if (group.state() != ConsumerGroupState.STABLE || group.members().size() != count
                    || group.members().stream().anyMatch(m -> m.assignment().topicPartitions().isEmpty())) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The members' ids of the transform and sensor groups. */
    private List<String> memberIds(Admin admin) throws Exception {
        return groups(admin).stream().flatMap(g -> g.members().stream()).map(MemberDescription::consumerId).toList();
    }

    /** Partitions per member of the transform and sensor groups. */
    private Map<String, Set<TopicPartition>> owned(Admin admin) throws Exception {
        Map<String, Set<TopicPartition>> owned = new HashMap<>();
        for (ConsumerGroupDescription group : groups(admin)) {
            group.members().forEach(m -> owned.put(m.consumerId(), m.assignment().topicPartitions()));
        }
        return owned;
    }

    private List<ConsumerGroupDescription> groups(Admin admin) throws Exception {
        return List.copyOf(admin.describeConsumerGroups(List.of(transformGroup, sensorGroup)).all()
            .get(30, TimeUnit.SECONDS).values());
    }

    private Set<TopicPartition> allInputPartitions() {
        Set<TopicPartition> all = new HashSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            all.add(new TopicPartition(topics.name(Topics.INPUT_TOPIC), p));
            all.add(new TopicPartition(topics.name(Topics.REAL_TIME_DATA), p));
        }
        return all;
    }

    // --- exactly once ------------------------------------------------------------------------------------------------

    /**
     * Once both groups have committed up to the end of their inputs, every output is committed and nothing more can
     * come: reads the outputs to their end and compares them with what was sent.
     */
    private void assertExactlyOnce(Admin admin, Load load) throws Exception {
        awaitDrained(admin, transformGroup, topics.name(Topics.INPUT_TOPIC));
        awaitDrained(admin, sensorGroup, topics.name(Topics.REAL_TIME_DATA));
        List<ConsumerRecord<byte[], byte[]>> outputs = readCommitted(topics.name(Topics.OUTPUT_TOPIC));
        List<ConsumerRecord<byte[], byte[]>> letters = readCommitted(topics.name(Topics.DEAD_LETTER_QUEUE));
        List<ConsumerRecord<byte[], byte[]>> alerts = readCommitted(topics.name(Topics.TEMPERATURE_ALERTS));

        Map<Integer, Long> outputsPerId = outputs.stream().collect(Collectors.groupingBy(
            r -> ((Number) map(text(r.value())).get("id")).intValue(), TreeMap::new, Collectors.counting()));
        Map<Integer, Long> lettersPerId = letters.stream().collect(Collectors.groupingBy(
            r -> Integer.parseInt(text(r.key()).substring(2)), TreeMap::new, Collectors.counting()));
        Map<String, Long> alertsPerTransition = alerts.stream().map(r -> map(text(r.value())))
            .collect(Collectors.groupingBy(a -> a.get("alert_id") + "/" + a.get("state"), TreeMap::new, Collectors.counting()));
        Map<Integer, Long> expectedOutputs = new TreeMap<>();
        Map<Integer, Long> expectedLetters = new TreeMap<>();
        for (int id = 0; id < load.records(); id++) {
            (id % BAD_EVERY == 0 ? expectedLetters : expectedOutputs).put(id, 1L);
        }
        Map<String, Long> expectedAlerts = new TreeMap<>();
        load.expectedAlerts().forEach(a -> expectedAlerts.put(a, 1L));
        LOG.info("Sent {} records and {} readings; read {} outputs, {} dead letters, {} alerts", load.records(),
            load.readings(), outputs.size(), letters.size(), alerts.size());
        assertTrue(expectedAlerts.size() > 50, "excursions were streamed: " + expectedAlerts.size());
        assertEquals(expectedOutputs, outputsPerId, "one output for every valid record, nothing else");
        assertEquals(expectedLetters, lettersPerId, "one dead letter for every invalid record, nothing else");
        assertEquals(expectedAlerts, alertsPerTransition, "one RAISED and one CLEARED per excursion, nothing else");
    }

    private void awaitDrained(Admin admin, String group, String topic) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((p, info) -> end.put(p, info.offset()));
            Map<TopicPartition, Long> committed = new HashMap<>();
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            offsets.forEach((p, o) -> {
                if (o != null && p.topic().equals(topic)) {
                    committed.put(p, o.offset());
                }
            });
            return end.equals(committed);
        });
    }

    /** Everything {@code read_committed} readers see of {@code topic}: up to its last stable offsets. */
    private List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = reader()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = reader.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(p -> reader.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                reader.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        return read;
    }

    private KafkaConsumer<byte[], byte[]> reader() {
        return new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    // --- the load ----------------------------------------------------------------------------------------------------

    /** An input as sent: when, and the partition it went to (known once the broker acknowledged it). */
    private record Sent(long sentNanos, TopicPartition partition) {
    }

    /** An output as a read_committed reader saw it, and when. */
    private record Arrival(String topic, String key, String value, long nanos) {
    }

    /**
     * The steady stream: every 10 ms one {@code input-topic} record (every 97th invalid) and every 4th time also one
     * {@code real-time-data} reading, the devices in turn, each device going through {@link #CYCLE}.
     */
    private final class Load implements AutoCloseable {

        private final KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.LINGER_MS_CONFIG, 0), new ByteArraySerializer(), new ByteArraySerializer());
        private final Map<Integer, Sent> records = new ConcurrentHashMap<>();
        private final Map<String, Sent> readings = new ConcurrentHashMap<>(); // by device and step
        private final AtomicInteger recordCount = new AtomicInteger();
        private final AtomicInteger readingCount = new AtomicInteger();
        private final Thread thread = new Thread(this::run, "crash-test-load");
        private volatile boolean running = true;

        void start() {
            thread.start();
        }

        private void run() {
            long next = System.nanoTime();
            while (running) {
                int id = recordCount.get();
                String value = id % BAD_EVERY == 0
                    ? "{\"id\": " + id + ", \"value\": \"not a number\", \"category\": \"A\"}"
                    : "{\"id\": " + id + ", \"timestamp\": 1700000000, \"value\": " + id + ", \"category\": \"C" + (id % 5) + "\"}";
                send(topics.name(Topics.INPUT_TOPIC), "k-" + id, value, sent -> records.put(id, sent));
                recordCount.incrementAndGet();
                if (id % 4 == 0) {
                    int reading = readingCount.get();
                    int step = reading / DEVICES;
                    String device = device(reading % DEVICES);
                    send(topics.name(Topics.REAL_TIME_DATA), device,
                        "{\"device_id\": \"%s\", \"temperature\": %s, \"timestamp\": %d}".formatted(device,
                            CYCLE[step % CYCLE.length], READING_EPOCH_S + step * 10L),
                        sent -> readings.put(device + "/" + step, sent));
                    readingCount.incrementAndGet();
                }
                next += TimeUnit.MILLISECONDS.toNanos(10);
                long ahead = next - System.nanoTime();
                if (ahead > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(ahead); // the rate, not a wait for anything
                }
            }
            producer.flush();
        }

        private void send(String topic, String key, String value, java.util.function.Consumer<Sent> sent) {
            long at = System.nanoTime();
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)),
                (metadata, error) -> {
                    if (error == null) {
                        sent.accept(new Sent(at, new TopicPartition(metadata.topic(), metadata.partition())));
                    } else {
                        LOG.error("could not send to {}", topic, error);
                    }
                });
        }

        String device(int index) {
            return "crash-" + topics.suffix() + "-" + index;
        }

        /** Inputs sent so far: records and readings. */
        long sent() {
            return records.size() + readings.size();
        }

        int records() {
            return recordCount.get();
        }

        int readings() {
            return readingCount.get();
        }

        /** The input an output came from: a record by its {@code id}, a reading by device and event time. */
        Sent inputOf(Arrival arrival) {
            Map<String, Object> value = map(arrival.value());
            if (arrival.topic().equals(topics.name(Topics.OUTPUT_TOPIC))) {
                return records.get(((Number) value.get("id")).intValue());
            }
            long step = (((Number) value.get("timestamp")).longValue() - READING_EPOCH_S) / 10;
            return readings.get(value.get("device_id") + "/" + step);
        }

        /** {@code alert_id/state} of every transition the readings sent make. */
        Set<String> expectedAlerts() {
            Set<String> expected = new HashSet<>();
            int sent = readingCount.get();
            for (int reading = 0; reading < sent; reading++) {
                int step = reading / DEVICES;
                String device = device(reading % DEVICES);
                int raisedStep = step - step % CYCLE.length + 1;
                String alertId = "temp-" + device + "-" + (READING_EPOCH_S + raisedStep * 10L) * 1000;
                if (step % CYCLE.length == 1) {
                    expected.add(alertId + "/RAISED");
                } else if (step % CYCLE.length == 4) {
                    expected.add(alertId + "/CLEARED");
                }
            }
            return expected;
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(30_000);
            assertEquals(records(), records.size(), "every record acknowledged");
            assertEquals(readings(), readings.size(), "every reading acknowledged");
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(30_000);
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** A read_committed reader of {@code output-topic} and {@code temperature-alerts} that notes when each record came. */
    private final class Tail implements AutoCloseable {

        private final KafkaConsumer<byte[], byte[]> consumer = reader();
        private final List<Arrival> arrivals = new ArrayList<>(); // guarded by itself
        private final Thread thread = new Thread(this::run, "crash-test-tail");

        Tail() {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topics.name(Topics.OUTPUT_TOPIC), p));
                partitions.add(new TopicPartition(topics.name(Topics.TEMPERATURE_ALERTS), p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            thread.start();
        }

        private void run() {
            try {
                while (true) {
                    var records = consumer.poll(Duration.ofMillis(100));
                    long now = System.nanoTime();
                    synchronized (arrivals) {
                        records.forEach(r -> arrivals.add(new Arrival(r.topic(), text(r.key()), text(r.value()), now)));
                    }
                }
            } catch (WakeupException stop) {
                consumer.close(Duration.ZERO);
            }
        }

        /** What came from the {@code from}-th arrival on. */
        List<Arrival> arrivalsFrom(int from) {
            synchronized (arrivals) {
                return new ArrayList<>(arrivals.subList(Math.min(from, arrivals.size()), arrivals.size()));
            }
        }

        long outputs(String contractTopic) {
            String topic = topics.name(contractTopic);
            return arrivalsFrom(0).stream().filter(a -> a.topic().equals(topic)).count();
        }

        @Override
        public void close() throws InterruptedException {
            consumer.wakeup();
            thread.join(10_000);
        }
    }

    // --- plumbing ----------------------------------------------------------------------------------------------------

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private void createTopics() throws Exception {
        try (Admin admin = admin()) {
            List<NewTopic> created = new ArrayList<>();
            for (String topic : topics.properties().entrySet().stream().filter(e -> e.getKey().startsWith("pulse.topics."))
                .map(Map.Entry::getValue).toList()) {
                created.add(new NewTopic(topic, PARTITIONS, (short) 1));
            }
            admin.createTopics(created).all().get(60, TimeUnit.SECONDS);
        }
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(String value) {
        try {
            return JSON.readValue(value, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + value, e);
        }
    }
}
