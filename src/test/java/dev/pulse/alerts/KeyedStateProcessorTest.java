package dev.pulse.alerts;

import dev.pulse.testkit.InMemoryStateStore;

import dev.pulse.alerts.KeyedStateProcessor.Item;
import dev.pulse.alerts.KeyedStateProcessor.Output;
import dev.pulse.alerts.KeyedStateProcessor.Step;
import dev.pulse.kafka.TopicIds;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.pulse.testkit.Records.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Progress that knows its group and its topic: redeliveries stay idempotent, a topic created again is new. */
class KeyedStateProcessorTest {

    private static final String TOPIC = "readings";

    /** The cluster's ids, as a test sets them; counts the answers asked for afresh. */
    private static final class Ids implements TopicIds {
        String id = "id-1";
        int freshAnswers;

        @Override
        public String id(String topic, boolean fresh) {
            if (fresh) {
                freshAnswers++;
            }
            return id;
        }
    }

    private final InMemoryStateStore store = new InMemoryStateStore();
    private final Ids ids = new Ids();

    /** Counts an entity's records; each record yields "entity#count". */
    private static Step count(String input, Item<String> item, String state, Map<String, String> context) {
        int count = state == null ? 1 : Integer.parseInt(state) + 1;
        return new Step(Integer.toString(count), List.of(item.entity() + "#" + count));
    }

    private KeyedStateProcessor<String> processor(String group) {
        return new KeyedStateProcessor<>(store, JSON, KeyedStateProcessor.Options.expiring("test", group), ids,
            entity -> List.of());
    }

    private static List<Item<String>> items(long from, long to) {
        List<Item<String>> items = new ArrayList<>();
        for (long offset = from; offset < to; offset++) {
            items.add(new Item<>(offset, "e", "x", 0));
        }
        return items;
    }

    private static List<String> values(List<Output> outputs) {
        return outputs.stream().map(Output::value).toList();
    }

    @Test
    void progressIsKeptPerConsumerGroupAndTopic() {
        assertEquals("test:progress:group-a:readings:3", processor("group-a").progressKey(TOPIC, 3));
        processor("group-a").process(TOPIC, 0, items(0, 3), KeyedStateProcessorTest::count);
        assertTrue(store.get("test:progress:group-a:readings:0").contains("\"topic_id\":\"id-1\""),
            store.get("test:progress:group-a:readings:0"));
        List<Output> other = processor("group-b").process(TOPIC, 0, items(0, 3), KeyedStateProcessorTest::count);
        assertEquals(List.of("e#4", "e#5", "e#6"), values(other),
            "another deployment's group does not take group-a's progress for its own");
    }

    @Test
    void aRedeliveryOfTheSameTopicGivesTheSameOutputsAndNoMore() {
        KeyedStateProcessor<String> processor = processor("g");
        List<String> first = values(processor.process(TOPIC, 0, items(0, 5), KeyedStateProcessorTest::count));
        List<String> again = values(processor.process(TOPIC, 0, items(0, 5), KeyedStateProcessorTest::count));
        assertEquals(List.of("e#1", "e#2", "e#3", "e#4", "e#5"), first);
        assertEquals(first, again, "the same topic id: a redelivery");
        assertEquals(1, ids.freshAnswers, "a record at or below the progress makes it ask the cluster afresh");
        assertEquals(List.of("e#4", "e#5", "e#6"), values(processor.process(TOPIC, 0, items(3, 6), KeyedStateProcessorTest::count)),
            "the redelivered part as before, the new record counted once");
    }

    @Test
    void aTopicDeletedAndCreatedAgainIsProcessedFromItsStart() {
        KeyedStateProcessor<String> processor = processor("g");
        processor.process(TOPIC, 0, items(0, 100), KeyedStateProcessorTest::count);
        ids.id = "id-2";
        List<String> recreated = values(processor.process(TOPIC, 0, items(0, 2), KeyedStateProcessorTest::count));
        assertEquals(List.of("e#101", "e#102"), recreated, "offsets 0 and 1 of the new topic are new records");
        assertEquals(recreated, values(processor.process(TOPIC, 0, items(0, 2), KeyedStateProcessorTest::count)),
            "and the new topic's redeliveries are redeliveries");
    }

    @Test
    void aTopicTheClusterDoesNotKnowNowKeepsTheProgressItHad() {
        KeyedStateProcessor<String> processor = processor("g");
        processor.process(TOPIC, 0, items(0, 3), KeyedStateProcessorTest::count);
        ids.id = null; // deleted while its last records were in hand
        assertEquals(List.of("e#1", "e#2", "e#3"),
            values(processor.process(TOPIC, 0, items(0, 3), KeyedStateProcessorTest::count)));
        assertTrue(store.get("test:progress:g:readings:0").contains("\"topic_id\":\"id-1\""));
    }
}
