package dev.pulse;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.PulseProcess;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pulse as the container runs it, with {@code PULSE_LOG_FORMAT=JSON} and the production {@code logback.xml}: every
 * line it writes, from start-up to shutdown, is one JSON object, and the line about a dead-lettered record names
 * the record's topic, partition and offset as fields.
 */
class JsonLogsIntegrationTest {

    private static final JsonMapper JSON = ObjectMapper.getDefault();

    private final IsolatedTopics topics = new IsolatedTopics();

    @Test
    @SuppressWarnings("unchecked")
    void everyLineIsAJsonObjectAndADeadLetterLineCarriesItsRecord() throws Exception {
        try (KafkaTestClient kafka = KafkaTestClient.forTestBroker();
             PulseProcess pulse = PulseProcess.named("json-logs").testServers()
                 .properties(topics.allTopicsProperties())
                 .property("kafka.streams.default.application.id", "pulse-json-logs-" + topics.suffix())
                 .env("PULSE_LOG_FORMAT", "JSON")
                 .productionLogging()
                 .start()) {
            pulse.waitUntilReady(Duration.ofSeconds(180));
            String input = topics.name(Topics.INPUT_TOPIC);
            kafka.send(input, "bad-1", "{\"id\": 1, \"value\": \"not a number\", \"category\": \"A\"}");
            List<Received> letters = kafka.read(topics.name(Topics.DEAD_LETTER_QUEUE), 1, Duration.ofSeconds(60));
            assertEquals(1, letters.size(), "the bad record was dead-lettered");
            Map<String, Object> letter = JSON.readValue(letters.get(0).value(), Map.class);
            String partition = String.valueOf(letter.get("partition"));
            String offset = String.valueOf(letter.get("offset"));

            await().atMost(Duration.ofSeconds(30)).until(() -> pulse.output().contains("dev.pulse.deadletters"));
            assertEquals(143, pulse.sigterm(Duration.ofSeconds(60)), "stopped by SIGTERM"); // shutdown lines too

            List<String> notJson = new ArrayList<>();
            List<Map<String, Object>> lines = new ArrayList<>();
            for (String line : pulse.output().lines().filter(l -> !l.isBlank()).toList()) {
                Map<String, Object> parsed = parse(line);
                if (parsed == null) {
                    notJson.add(line);
                } else {
                    lines.add(parsed);
                }
            }
            assertEquals(List.of(), notJson, "lines that are not a JSON object");
            assertTrue(lines.size() > 10, "start-up, processing and shutdown were logged: " + lines.size() + " lines");
            assertTrue(lines.stream().allMatch(l -> l.get("timestamp") != null && l.get("level") != null
                && l.get("loggerName") != null && l.containsKey("formattedMessage")), "each line has time, level, logger, message");

            Map<String, Object> deadLetterLine = lines.stream()
                .filter(l -> "dev.pulse.deadletters".equals(l.get("loggerName")))
                .findFirst().orElseThrow(() -> new AssertionError("no dead-letter line"));
            Map<String, Object> mdc = (Map<String, Object>) deadLetterLine.get("mdc");
            assertEquals(input, mdc.get("kafka_topic"), deadLetterLine::toString);
            assertEquals(partition, mdc.get("kafka_partition"), deadLetterLine::toString);
            assertEquals(offset, mdc.get("kafka_offset"), deadLetterLine::toString);
            assertTrue(Objects.toString(deadLetterLine.get("formattedMessage")).contains("'value'"),
                "the line says why: " + deadLetterLine);
        }
    }

    /** The line as a JSON object, or null if it is anything else. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String line) {
        if (!line.startsWith("{") || !line.endsWith("}")) {
            return null;
        }
        try {
            return JSON.readValue(line, Map.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
