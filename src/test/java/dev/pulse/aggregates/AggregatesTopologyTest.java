package dev.pulse.aggregates;

import dev.pulse.deadletters.DeadLetter;
import dev.pulse.events.EventDecoder;
import dev.pulse.kafka.Topics;
import io.micronaut.json.tree.JsonNode;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import static dev.pulse.aggregates.TopologyDriver.JSON;
import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.click;
import static dev.pulse.aggregates.TopologyDriver.header;
import static dev.pulse.aggregates.TopologyDriver.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole topology as the factory assembles it ({@link AggregatesTopology#build}): what spans the
 * aggregates (dead letters of every input, names) and the shape a running deployment depends on. Each
 * aggregate's outputs are tested on their own ({@code WordTotalsTest}, {@code ClickEnrichmentTest}, …).
 */
class AggregatesTopologyTest {

    /** The recorded shape of the topology ({@link #shape}), a test resource beside this class. */
    private static final String RECORDED = "topology-shape.txt";

    @Test
    void sendsUndecodableRecordsOfEveryInputToTheDeadLetterQueueAndKeepsProcessing() {
        try (TopologyDriver topology = new TopologyDriver(AggregatesTopologyTest::wholeTopology)) {
            Map<String, String> bad = new LinkedHashMap<>();
            bad.put(Topics.WORD_COUNTS, "{\"word\": ");
            bad.put(Topics.USER_EVENTS, "[1, 2]");
            bad.put(Topics.USER_CLICKS, "{\"page\": \"/home\"}");
            bad.put(Topics.PURCHASES, "{\"user\": \"alice\", \"product\": \"p\", \"timestamp\": -5}");
            bad.put(Topics.USER_PROFILES, "\"just a string\"");
            bad.forEach((topic, value) -> topology.send(topic, "k", value, T0));
            // The listeners that read these two topics dead-letter their bad records; the topology only
            // drops them, so each reaches the dead-letter queue once.
            topology.send(Topics.INPUT_TOPIC, "k", "{\"value\": \"ten\", \"category\": \"A\"}", T0);
            topology.send(Topics.REAL_TIME_DATA, "k", "Temperature: hot", T0);
            topology.sendBytes(Topics.WORD_COUNTS, "k", new byte[] {(byte) 0xC3, (byte) 0x28}, T0);

            List<TestRecord<String, String>> letters = topology.readRecords(Topics.DEAD_LETTER_QUEUE);
            assertEquals(bad.size() + 1, letters.size(), letters::toString);
            Map<String, String> errors = new HashMap<>();
            for (TestRecord<String, String> letter : letters) {
                JsonNode value = parse(letter.value());
                String source = value.get("source_topic").getStringValue();
                assertEquals("k", letter.key());
                assertEquals(source, header(letter, DeadLetter.HEADER_SOURCE_TOPIC));
                assertEquals(value.get("error").getStringValue(), header(letter, DeadLetter.HEADER_ERROR));
                assertEquals("0", header(letter, DeadLetter.HEADER_SOURCE_PARTITION));
                assertEquals(String.valueOf(value.get("offset").getLongValue()), header(letter, DeadLetter.HEADER_SOURCE_OFFSET));
                if (!"base64".equals(value.get("original_encoding").getStringValue())) {
                    assertEquals(bad.get(source), value.get("original_record").getStringValue());
                    errors.put(source, value.get("error").getStringValue());
                } else {
                    assertEquals("wyg=", value.get("original_record").getStringValue());
                    assertEquals("value is not valid UTF-8", value.get("error").getStringValue());
                }
            }
            assertFalse(errors.containsKey(Topics.INPUT_TOPIC) || errors.containsKey(Topics.REAL_TIME_DATA), errors::toString);
            assertEquals("field 'user': expected a non-empty string, got nothing", errors.get(Topics.USER_CLICKS));
            assertTrue(errors.get(Topics.PURCHASES).startsWith("field 'timestamp'"), errors.get(Topics.PURCHASES));
            assertTrue(errors.get(Topics.WORD_COUNTS).startsWith("not valid JSON"), errors.get(Topics.WORD_COUNTS));

            // The same partitions go on with the next good record.
            topology.send(Topics.WORD_COUNTS, "k", "still running", T0);
            topology.send(Topics.USER_CLICKS, "k", click("alice", "/home", null, T0S), T0);
            topology.send(Topics.INPUT_TOPIC, "k", "{\"value\": 10, \"category\": \"A\"}", T0);
            assertEquals(List.of(KeyValue.pair("still", "1"), KeyValue.pair("running", "1")), topology.read(Topics.WORD_TOTALS));
            assertEquals(1, topology.read(Topics.AGGREGATED_TOPIC).size(), "input-topic goes on after the dropped record");
            assertEquals(List.of(KeyValue.pair("alice", "1")), topology.read(Topics.CLICK_COUNTS));
        }
    }

    @Test
    void namesEveryProcessorStoreAndRepartitionTopic() {
        String description = description();

        assertFalse(description.matches("(?s).*\\b(KSTREAM|KTABLE)-[A-Z-]+-\\d{10}.*"),
            "generated names left in:\n" + description);
        for (String store : List.of(AggregateStores.WORD_COUNTS, AggregateStores.CATEGORY_AGGREGATES,
            AggregateStores.CATEGORY_WINDOWS, AggregateStores.EVENT_COUNTS, AggregateStores.HOME_CLICKS,
            AggregateStores.PAGE_VIEWS, AggregateStores.TOP_PAGES, AggregateStores.DEVICE_SLICES,
            AggregateStores.DEVICE_LATEST, AggregateStores.USER_SESSIONS)) {
            assertTrue(description.contains(store), store);
        }
    }

    /**
     * Sub-topology numbers name the tasks, and with them the state directories of a running
     * deployment; processor, store and repartition names name its internal topics. A change to any of
     * them must be deliberate: when it is, replace the recorded shape with the one this test writes to
     * {@code target/} and say in the commit what a running deployment must do.
     */
    @Test
    void keepsTheSubTopologiesStoresAndInternalTopicsOfTheRecordedTopology() throws IOException {
        String recorded;
        try (InputStream in = AggregatesTopologyTest.class.getResourceAsStream(RECORDED)) {
            recorded = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StreamsBuilder builder = new StreamsBuilder();
        wholeTopology(builder, AggregatesProperties.defaults(), null);
        String shape = shape(builder.build().describe());
        if (!shape.equals(recorded)) {
            Path written = Path.of("target", RECORDED);
            Files.writeString(written, shape);
            assertEquals(recorded, shape, "the topology changed; its new shape is in " + written.toAbsolutePath());
        }
    }

    @Test
    void leavesOutAnApplicationServerWithARandomPortOnly() {
        Properties random = new Properties();
        random.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "localhost:-1");
        AggregatesTopology.dropUnknownEndpoint(random);
        assertFalse(random.containsKey(StreamsConfig.APPLICATION_SERVER_CONFIG));

        Properties fixed = new Properties();
        fixed.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "pulse-1.internal:8080");
        AggregatesTopology.dropUnknownEndpoint(fixed);
        assertEquals("pulse-1.internal:8080", fixed.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG));
    }

    private static void wholeTopology(StreamsBuilder builder, AggregatesProperties properties, InputStreams unused) {
        AggregatesTopology.build(builder, properties, UnaryOperator.identity(), new EventDecoder(JSON), JSON);
    }

    private static String description() {
        StreamsBuilder builder = new StreamsBuilder();
        wholeTopology(builder, AggregatesProperties.defaults(), null);
        return builder.build().describe().toString();
    }

    /**
     * What {@link TopologyDescription} says, in an order of its own: Streams lists a node's neighbours by
     * sub-tree sizes it is still counting, which can differ from one run to the next. One line per
     * sub-topology and per node (kind, name, topics or stores, then successors and predecessors by name).
     */
    static String shape(TopologyDescription description) {
        StringBuilder out = new StringBuilder();
        description.subtopologies().stream().sorted(Comparator.comparingInt(TopologyDescription.Subtopology::id))
            .forEach(subtopology -> {
                out.append("sub-topology ").append(subtopology.id()).append('\n');
                subtopology.nodes().stream().sorted(Comparator.comparing(TopologyDescription.Node::name))
                    .forEach(node -> out.append("  ").append(node(node)).append('\n'));
            });
        description.globalStores().stream().sorted(Comparator.comparingInt(TopologyDescription.GlobalStore::id))
            .forEach(store -> out.append("global store ").append(store.id()).append('\n')
                .append("  ").append(node(store.source())).append('\n')
                .append("  ").append(node(store.processor())).append('\n'));
        return out.toString();
    }

    private static String node(TopologyDescription.Node node) {
        String what;
        if (node instanceof TopologyDescription.Source source) {
            what = "source " + node.name() + " topics " + new TreeSet<>(source.topicSet());
        } else if (node instanceof TopologyDescription.Sink sink) {
            what = "sink " + node.name() + " topic " + sink.topic();
        } else {
            what = "processor " + node.name() + " stores " + new TreeSet<>(((TopologyDescription.Processor) node).stores());
        }
        return what + " --> " + names(node.successors()) + " <-- " + names(node.predecessors());
    }

    private static List<String> names(Set<TopologyDescription.Node> nodes) {
        return nodes.stream().map(TopologyDescription.Node::name).sorted().toList();
    }
}
