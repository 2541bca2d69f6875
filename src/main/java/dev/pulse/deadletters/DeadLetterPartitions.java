package dev.pulse.deadletters;

import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.AdminClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The partition of {@code dead-letter-queue} that a rejected record goes to ({@link DeadLetter#partitionFor}), for
 * the listeners' dead letters. It needs the queue's partition count, which it asks the broker for and keeps for a
 * minute (the count only grows, when an operator adds partitions). While it is not known the record goes without a
 * partition and the producer places it by key: it is still written, only without the ordering guarantee of a replay.
 */
@Singleton
public class DeadLetterPartitions {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPartitions.class);
    private static final long REFRESH_MS = 60_000;
    private static final long LOOKUP_TIMEOUT_MS = 5_000;

    private final BeanProvider<AdminClient> admin;
    private final String topic;
    private volatile int count = -1;
    private volatile long checkedAt; // 0: never, so the first call looks it up

    public DeadLetterPartitions(BeanProvider<AdminClient> admin, TopicNames topicNames) {
        this.admin = admin;
        this.topic = topicNames.resolve(Topics.DEAD_LETTER_QUEUE);
    }

    /** The queue partition for a rejected record of this source partition; {@code null} while the count is unknown. */
    public Integer partitionFor(String sourceTopic, int sourcePartition) {
        int partitions = partitions();
        return partitions < 1 ? null : DeadLetter.partitionFor(sourceTopic, sourcePartition, partitions);
    }

    private int partitions() {
        long now = System.currentTimeMillis();
        if (now - checkedAt < REFRESH_MS) {
            return count;
        }
        synchronized (this) {
            if (now - checkedAt >= REFRESH_MS) {
                try {
                    count = admin.get().describeTopics(List.of(topic)).allTopicNames()
                        .get(LOOKUP_TIMEOUT_MS, TimeUnit.MILLISECONDS).get(topic).partitions().size();
                } catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    LOG.warn("Partitions of {} unknown ({}); dead letters are placed by key until they are known", topic,
                        e.toString());
                }
                checkedAt = now;
            }
            return count;
        }
    }
}
