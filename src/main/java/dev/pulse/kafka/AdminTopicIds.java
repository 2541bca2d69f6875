package dev.pulse.kafka;

import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link TopicIds} from the cluster's metadata ({@code Admin.describeTopics}, whose {@code TopicDescription.topicId()}
 * is the id; consumers do not expose it). An answer is reused for {@value #REUSE_SECONDS} s, so a listener asks the
 * cluster at most that often per topic unless it asks for a fresh answer.
 */
@Singleton
public class AdminTopicIds implements TopicIds {

    static final long REUSE_SECONDS = 10;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private record Known(String id, long askedAtNanos) {
    }

    private final AdminClient admin;
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    public AdminTopicIds(AdminClient admin) {
        this.admin = admin;
    }

    /** @throws KafkaException when the cluster does not answer; the caller's batch is retried */
    @Override
    public String id(String topic, boolean fresh) {
        Known last = known.get(topic);
        if (!fresh && last != null && System.nanoTime() - last.askedAtNanos() < TimeUnit.SECONDS.toNanos(REUSE_SECONDS)) {
            return last.id();
        }
        try {
            TopicDescription description = admin.describeTopics(List.of(topic),
                    new DescribeTopicsOptions().timeoutMs((int) TIMEOUT.toMillis()))
                .topicNameValues().get(topic).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            String id = description.topicId().toString();
            known.put(topic, new Known(id, System.nanoTime()));
            return id;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                known.remove(topic);
                return null;
            }
            throw new KafkaException("could not read the id of topic " + topic, e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("could not read the id of topic " + topic + " within " + TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted reading the id of topic " + topic, e);
        }
    }
}
