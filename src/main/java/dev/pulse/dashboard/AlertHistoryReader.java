package dev.pulse.dashboard;

import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicCreator;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import dev.pulse.kafka.WholeTopicReader;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
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
public class AlertHistoryReader extends WholeTopicReader<String, String> {

    private static final Logger LOG = LoggerFactory.getLogger(AlertHistoryReader.class);

    private final RecentAlerts alerts;
    private final DashboardCache cache;
    private final JsonMapper jsonMapper;
    private final String temperatureTopic;

    /** @param topicsCreatedFirst present when this instance creates the topics: then it does so before this starts */
    public AlertHistoryReader(RecentAlerts alerts, DashboardCache cache, JsonMapper jsonMapper, KafkaClients clients,
                              TopicNames names, Optional<TopicCreator> topicsCreatedFirst) {
        super("pulse-alert-history", "the alert lists answer 503 until a restart",
            List.of(names.resolve(Topics.TEMPERATURE_ALERTS), names.resolve(Topics.FRAUD_ALERTS)), clients,
            new StringDeserializer(), new StringDeserializer());
        this.alerts = alerts;
        this.cache = cache;
        this.jsonMapper = jsonMapper;
        this.temperatureTopic = names.resolve(Topics.TEMPERATURE_ALERTS);
        start();
    }

    @Override
    protected void polled(ConsumerRecords<String, String> records, Map<TopicPartition, Long> ends, boolean atEnd) {
        Set<String> changed = new LinkedHashSet<>();
        for (ConsumerRecord<String, String> record : records) {
            // Alerts before the end this instance started at are history the others announced already.
            if (apply(record) && record.offset() >= ends.get(new TopicPartition(record.topic(), record.partition()))) {
                changed.add(CacheGroups.ALERTS);
            }
        }
        if (atEnd && !alerts.isComplete()) {
            alerts.complete();
            // What changed while no instance was following (a fleet of one restarting) is announced here.
            changed.add(CacheGroups.ALERTS);
        }
        cache.changed(changed);
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
        stop();
    }
}
