package dev.pulse.listeners;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Log lines about one record, with its coordinates in the MDC ({@code kafka_topic},
 * {@code kafka_partition}, {@code kafka_offset}), so a JSON log line ({@code PULSE_LOG_FORMAT=JSON})
 * carries them as fields. Record values are never logged: they may hold personal data.
 */
public final class RecordLog {

    private static final Logger LOG = LoggerFactory.getLogger("dev.pulse.deadletters");

    private RecordLog() {
    }

    /** A record that goes to the dead-letter queue, and why. */
    public static void rejected(String topic, int partition, long offset, String reason) {
        MDC.put("kafka_topic", topic);
        MDC.put("kafka_partition", Integer.toString(partition));
        MDC.put("kafka_offset", Long.toString(offset));
        try {
            LOG.info("dead-lettered {}-{}@{}: {}", topic, partition, offset, reason);
        } finally {
            MDC.remove("kafka_topic");
            MDC.remove("kafka_partition");
            MDC.remove("kafka_offset");
        }
    }
}
