package dev.pulse.drills;

import dev.pulse.drills.Traffic.Rec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends {@link Traffic} (and, when given, {@code badPerStep} invalid records a step on average) with the drill's own
 * idempotent producer: paced at a steady number of steps per second on a thread of its own, or flat out. A record
 * counts only once the broker acknowledged it; an invalid one is then expected in the dead-letter queue at the
 * coordinates the broker gave it.
 */
final class Load {

    private final KafkaProducer<byte[], byte[]> producer;
    private final Traffic traffic;
    private final BadRecords bad;
    private final double badPerStep;
    private final Expected expected;
    private final AtomicInteger steps = new AtomicInteger();
    private final AtomicLong goodAcked = new AtomicLong();
    private final AtomicLong badAcked = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final List<String> failures = new ArrayList<>();
    private volatile boolean running;
    private Thread thread;

    /**
     * @param bad        invalid records to mix in, or null
     * @param badPerStep how many invalid records go out a step, on average (0.1: one after every tenth step)
     */
    Load(KafkaProducer<byte[], byte[]> producer, Traffic traffic, BadRecords bad, double badPerStep, Expected expected) {
        this.producer = producer;
        this.traffic = traffic;
        this.bad = bad;
        this.badPerStep = badPerStep;
        this.expected = expected;
    }

    /** Starts sending {@code stepsPerSecond} steps a second until {@link #stop}. */
    void start(double stepsPerSecond) {
        running = true;
        thread = new Thread(() -> {
            long start = System.nanoTime();
            while (running) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * stepsPerSecond);
                while (steps.get() < due && running) {
                    sendStep();
                }
                sleep(5); // the pace: steps go out as they fall due, checked every 5 ms
            }
        }, "drill-load-" + traffic.tag());
        thread.start();
    }

    /**
     * Lets the load run on for {@code length} while the drill does nothing else: the drill's schedule (how long the
     * load goes before a fault, between faults and after the last), not a wait for anything to happen.
     */
    void runFor(Duration length) throws InterruptedException {
        Thread.sleep(length.toMillis());
    }

    /** Stops sending and waits until the broker has acknowledged everything sent. */
    void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(60_000);
        }
        producer.flush();
    }

    /** Sends {@code count} steps flat out and waits until the broker has acknowledged them. */
    void sendAll(int count) {
        for (int i = 0; i < count; i++) {
            sendStep();
        }
        producer.flush();
    }

    /** Sends one invalid record of every kind now, alongside the steps; returns how many. */
    int sendEveryInvalidKind() {
        for (Rec kind : bad.all()) {
            send(bad.withKey(kind, traffic.tag()));
        }
        return bad.kinds();
    }

    /** Sends one record now, outside the steps (e.g. a probe); counted as good. */
    void sendOne(Rec record) {
        send(record);
        producer.flush();
    }

    private void sendStep() {
        int i = steps.getAndIncrement();
        for (Rec record : traffic.step(i)) {
            send(record);
        }
        if (bad != null) {
            long due = (long) Math.floor((i + 1) * badPerStep) - (long) Math.floor(i * badPerStep);
            for (long n = 0; n < due; n++) {
                send(bad.next(traffic.tag()));
            }
        }
    }

    private void send(Rec record) {
        sent.incrementAndGet();
        producer.send(new ProducerRecord<>(record.topic(), null, record.timestampMs(),
            record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8), record.value()),
            (metadata, error) -> {
                if (error != null) {
                    synchronized (failures) {
                        failures.add(record.topic() + " (" + record.kind() + "): " + error);
                    }
                } else if (record.bad()) {
                    badAcked.incrementAndGet();
                    expected.deadLetter(new Expected.Letter(metadata.topic(), metadata.partition(), metadata.offset(),
                        record.size(), record.kind()));
                } else {
                    goodAcked.incrementAndGet();
                }
            });
    }

    int steps() {
        return steps.get();
    }

    long sent() {
        return sent.get();
    }

    long goodAcked() {
        return goodAcked.get();
    }

    long badAcked() {
        return badAcked.get();
    }

    List<String> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
