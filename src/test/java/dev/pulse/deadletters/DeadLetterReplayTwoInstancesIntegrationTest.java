package dev.pulse.deadletters;

import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import io.micronaut.context.ApplicationContext;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static dev.pulse.deadletters.ReplayTestSupport.get;
import static dev.pulse.deadletters.ReplayTestSupport.map;
import static dev.pulse.deadletters.ReplayTestSupport.number;
import static dev.pulse.deadletters.ReplayTestSupport.readAll;
import static dev.pulse.deadletters.ReplayTestSupport.replay;
import static dev.pulse.deadletters.ReplayTestSupport.startPulse;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Pulse instances answer {@code GET /api/dead-letters} alike, and the same replay asked of both at the same moment,
 * then asked again, re-publishes no dead letter twice. The two replays fence each other through their shared transactional ids; the one that is fenced answers 409
 * with what it committed before, and the counts of both add up to every dead letter once.
 */
class DeadLetterReplayTwoInstancesIntegrationTest {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterReplayTwoInstancesIntegrationTest.class);
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final int PER_TOPIC = 1000;

    private final List<ApplicationContext> instances = new ArrayList<>();

    @AfterEach
    void stop() {
        instances.forEach(ApplicationContext::close);
    }

    @Test
    void twoInstancesListAlikeAndReplayEachDeadLetterOnceWhenAskedAtOnceAndAgain() throws Exception {
        IsolatedTopics topics = new IsolatedTopics();
        String app = "pulse-replay-two-" + UUID.randomUUID().toString().substring(0, 8);
        // Small transactions: each replay takes long enough for the other to start in the middle of it.
        Map<String, Object> settings = Map.of("pulse.dead-letters.replay-batch", 10);
        instances.add(startPulse(topics, app, settings));
        instances.add(startPulse(topics, app, settings));

        List<String> sources = List.of(topics.name(Topics.INPUT_TOPIC), topics.name(Topics.WORD_COUNTS));
        try (KafkaTestClient kafka = KafkaTestClient.forTestBroker()) {
            for (int i = 0; i < PER_TOPIC; i++) {
                kafka.send(sources.get(0), "k" + i, "{\"value\": " + i); // listener path
                kafka.send(sources.get(1), "k" + i, "{\"word\": " + i); // Streams path
            }
        }
        String queue = topics.name(Topics.DEAD_LETTER_QUEUE);
        int letters = sources.size() * PER_TOPIC;
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> readAll(queue).size() >= letters);

        // Both instances read the whole queue: once caught up, they answer alike.
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<Map<String, Object>> views = new ArrayList<>();
            for (ApplicationContext instance : instances) {
                Map<String, Object> view = map(get(instance, "/api/dead-letters?limit=1000").body());
                view.remove("as_of");
                views.add(view);
            }
            assertEquals(Map.of(sources.get(0), PER_TOPIC, sources.get(1), PER_TOPIC),
                ((Map<?, ?>) ((Map<?, ?>) views.get(0).get("counts")).get("source_topics")).entrySet().stream()
                    .collect(java.util.stream.Collectors.toMap(e -> e.getKey().toString(),
                        e -> ((Number) e.getValue()).intValue())));
            assertEquals(views.get(0), views.get(1), "the same answer from either instance");
        });

        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (ApplicationContext instance : instances) {
            answers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                    return replay(instance, Map.of());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        go.countDown();
        long replayed = 0;
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.get();
            LOG.info("replay answered {} {}", response.statusCode(), response.body());
            assertTrue(response.statusCode() == 200 || response.statusCode() == 409, response.body());
            replayed += number(map(response.body()), "replayed");
        }
        assertEquals(letters, replayed, "the two answers together: each dead letter once");

        HttpResponse<String> again = replay(instances.get(1), Map.of());
        assertEquals(200, again.statusCode(), again.body());
        Map<String, Object> secondAnswer = map(again.body());
        assertEquals(0, number(secondAnswer, "replayed"));
        assertEquals(letters, number(secondAnswer, "skipped"));

        // A replay's last commit may become visible a moment after its answer.
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Set<String> coordinates = new HashSet<>();
            int count = 0;
            for (String source : sources) {
                for (ConsumerRecord<byte[], byte[]> record : readAll(source)) {
                    Header of = record.headers().lastHeader(DeadLetter.HEADER_REPLAY_OF);
                    if (of != null) {
                        count++;
                        assertTrue(coordinates.add(new String(of.value(), StandardCharsets.UTF_8)), "replayed twice");
                    }
                }
            }
            assertEquals(letters, count);
            assertEquals(letters, coordinates.size());
        });
    }
}
