package dev.pulse.dashboard;

import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How many records each input topic holds (the sum of its partitions' end offsets): the web page
 * turns two readings into events per second. One broker round trip per half second at most,
 * however many pages ask.
 */
@Singleton
public class StatsService {

    private static final long REUSE_MS = 500;

    private final AdminClient admin;
    private final TopicNames names;
    private Map<String, Object> last;
    private long lastAt;

    public StatsService(AdminClient admin, TopicNames names) {
        this.admin = admin;
        this.names = names;
    }

    public synchronized Map<String, Object> inputCounts() throws Exception {
        long now = System.currentTimeMillis();
        if (last != null && now - lastAt < REUSE_MS) {
            return last;
        }
        Map<String, String> byName = new LinkedHashMap<>();
        Topics.INPUTS.forEach(t -> byName.put(names.resolve(t), t));
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(byName.keySet()).allTopicNames().get(5, TimeUnit.SECONDS).forEach((topic, description) ->
            description.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
        Map<String, Long> counts = new LinkedHashMap<>();
        Topics.INPUTS.forEach(t -> counts.put(t, 0L));
        admin.listOffsets(request).all().get(5, TimeUnit.SECONDS).forEach((partition, offset) ->
            counts.merge(byName.get(partition.topic()), offset.offset(), Long::sum));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("topics", counts);
        answer.put("as_of", now);
        answer.put("source", "state");
        last = answer;
        lastAt = now;
        return answer;
    }
}
