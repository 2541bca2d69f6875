package dev.pulse.dashboard;

import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code temperature-alerts} and {@code fraud-alerts} whole, on every instance, into {@link RecentAlerts}: from
 * the beginning, {@code read_committed}, on a thread of its own. The view is complete once the consumer's position
 * reaches the end offsets it had at start (checked after every poll, the empty ones too: the end can be a transaction
 * marker, which no record reports); from then on each alert read marks the cached alert lists out of date, after it
 * is in the view, so an answer cached under the new version shows it.
 *
 * <p>In: the two alert topics (key: device id or card id; value: the alert JSON). Out: version bumps of the alert
 * lists in Redis ({@link DashboardCache}). A plain consumer with assigned partitions, no group, nothing committed. A
 * value it cannot read is logged and skipped: these topics are Pulse's own output. Not in the command line's
 * environment, where Kafka clients are off.
 */
@Context
@Requires(property = "kafka.enabled", notEquals = "false")
public class AlertHistoryReader {

    private static final Logger LOG = LoggerFactory.getLogger(AlertHistoryReader.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final RecentAlerts alerts;
    private final DashboardCache cache;
    private final JsonMapper jsonMapper;
    private final Consumer<String, String> consumer;
    private final String temperatureTopic;
    private final String fraudTopic;
    private final Thread thread;
    private volatile boolean running = true;

    /** @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts */
    public AlertHistoryReader(RecentAlerts alerts, DashboardCache cache, JsonMapper jsonMapper, KafkaClients clients,
                              TopicNames names, Optional<TopicCreator> topicsCreatedFirst) {
        this.alerts = alerts;
        this.cache = cache;
        this.jsonMapper = jsonMapper;
        this.temperatureTopic = names.resolve(Topics.TEMPERATURE_ALERTS);
        this.fraudTopic = names.resolve(Topics.FRAUD_ALERTS);
        this.consumer = new KafkaConsumer<>(clients.consumer(Map.of(
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
            ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
            ConsumerConfig.CLIENT_ID_CONFIG, "pulse-alert-history")),
            new StringDeserializer(), new StringDeserializer());
        this.thread = new Thread(this::run, "pulse-alert-history");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>(awaitPartitions(temperatureTopic));
            partitions.addAll(awaitPartitions(fraudTopic));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long started = System.nanoTime();
            while (running) {
                try {
                    ConsumerRecords<String, String> records = consumer.poll(POLL);
                    Set<String> changed = new LinkedHashSet<>();
                    for (ConsumerRecord<String, String> record : records) {
                        // Alerts before the end this instance started at are history the others announced already.
                        if (apply(record) && record.offset() >= ends.get(new TopicPartition(record.topic(), record.partition()))) {
                            changed.add(CacheGroups.ALERTS);
                        }
                    }
                    if (!alerts.isComplete()
                        && ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                        alerts.complete();
                        // What changed while no instance was following (a fleet of one restarting) is announced here.
                        changed.add(CacheGroups.ALERTS);
                        LOG.info("alert lists complete: {} and {} read to their end in {} ms", temperatureTopic,
                            fraudTopic, (System.nanoTime() - started) / 1_000_000);
                    }
                    cache.changed(changed);
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    LOG.warn("the alert history reader failed to poll, retrying: {}", e.toString());
                    Thread.sleep(RETRY.toMillis());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the alert history reader stopped; the alert lists answer 503 until a restart", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private List<TopicPartition> awaitPartitions(String topic) throws InterruptedException {
        while (running) {
            try {
                List<PartitionInfo> found = consumer.partitionsFor(topic);
                if (found != null && !found.isEmpty()) {
                    return found.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                }
            } catch (RuntimeException e) {
                LOG.warn("the alert history reader cannot reach Kafka yet: {}", e.toString());
            }
            // Created by another instance's or this one's topic creator: not there yet only during a fleet's start.
            Thread.sleep(RETRY.toMillis());
        }
        throw new WakeupException();
    }

    /** Puts the alert into the view; false for a record that is not an alert. */
    private boolean apply(ConsumerRecord<String, String> record) {
        try {
            JsonNode alert = record.value() == null ? null : jsonMapper.readValue(record.value(), JsonNode.class);
            if (alert == null || !alert.isObject()) {
                throw new IOException("not a JSON object");
            }
            RecentAlerts.Position position = RecentAlerts.Position.of(alert, record.timestamp(), record.partition(),
                record.offset());
            if (record.topic().equals(temperatureTopic)) {
                alerts.temperatureAlert(record.key() == null ? "" : record.key(), alert, position);
            } else {
                alerts.fraudAlert(alert, position);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("alert history skipped {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
            return false;
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(Duration.ofSeconds(10).toMillis());
    }
}
