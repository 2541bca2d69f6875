package dev.pulse.aggregates;

import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which open transactions {@link AbandonedTransactions} aborts, decided from the listing and the group alone. */
class AbandonedTransactionsTest {

    private static final String APP = "pulse-aggregates";
    private static final String LIVE = "0f0e8d51-8d0c-4a5e-9c4b-0c5a3e0d7a11";
    private static final String KILLED = "6b1d2c3e-4f50-4617-8293-a4b5c6d7e8f9";
    private static final String OTHER = "a1b2c3d4-e5f6-4788-99aa-bbccddeeff00";

    @Test
    void abortsTheTransactionsOfEveryThreadOfAProcessThatIsNoLongerAMember() {
        var verdict = AbandonedTransactions.decide(APP,
            List.of(txn(LIVE, 1), txn(LIVE, 2), txn(KILLED, 1), txn(KILLED, 2)),
            List.of(member(LIVE, 1), member(LIVE, 2)));

        assertEquals(List.of(txn(KILLED, 1), txn(KILLED, 2)), verdict.abandoned());
        assertEquals(List.of(), verdict.unidentifiedMembers());
    }

    @Test
    void aProcessWithOneThreadStillInTheGroupIsAliveForAllItsThreads() {
        var verdict = AbandonedTransactions.decide(APP, List.of(txn(LIVE, 1), txn(LIVE, 2)), List.of(member(LIVE, 2)));

        assertEquals(List.of(), verdict.abandoned());
    }

    @Test
    void neverAbortsTransactionsOfOtherApplicationsNorOfTheListeners() {
        var verdict = AbandonedTransactions.decide(APP, List.of(
                "pulse-aggregates-v2-" + KILLED + "-1",                // an application whose id starts with ours
                "other-app-" + KILLED + "-1",                          // another application's Streams producer
                "pulse-pulse-transform-input-topic-0",                 // a listener's (per partition)
                "pulse-dead-letter-replay-dead-letter-queue-0",        // the dead-letter replay's
                APP + "-" + KILLED,                                    // no thread index: not a Streams producer
                APP + "-0_3",                                          // exactly_once (alpha) ids are per task
                APP + "-" + KILLED.toUpperCase() + "-1"),              // Streams writes process ids in lower case
            List.of(member(LIVE, 1)));

        assertEquals(List.of(), verdict.abandoned());
    }

    @Test
    void readsTheApplicationIdLiterallyNotAsAPattern() {
        var verdict = AbandonedTransactions.decide("pulse.aggregates",
            List.of("pulseXaggregates-" + KILLED + "-1", "pulse.aggregates-" + KILLED + "-1"),
            List.of("pulse.aggregates-" + LIVE + "-StreamThread-1-consumer"));

        assertEquals(List.of("pulse.aggregates-" + KILLED + "-1"), verdict.abandoned());
    }

    @Test
    void abortsNothingWhenAMembersClientIdNamesNoProcessBecauseClientIdIsConfigured() {
        // With client.id set, Streams names its threads' consumers <client.id>-StreamThread-<n>-consumer: that member
        // could be the process of any open transaction.
        var verdict = AbandonedTransactions.decide(APP, List.of(txn(KILLED, 1), txn(OTHER, 1)),
            List.of(member(LIVE, 1), "pulse-task-1-StreamThread-1-consumer"));

        assertEquals(List.of(), verdict.abandoned());
        assertEquals(List.of("pulse-task-1-StreamThread-1-consumer"), verdict.unidentifiedMembers());
    }

    @Test
    void aMemberOfAnotherApplicationNamesNoProcessOfThisOne() {
        var verdict = AbandonedTransactions.decide(APP, List.of(txn(KILLED, 1)),
            List.of("other-app-" + KILLED + "-StreamThread-1-consumer"));

        assertEquals(List.of(), verdict.abandoned());
        assertEquals(List.of("other-app-" + KILLED + "-StreamThread-1-consumer"), verdict.unidentifiedMembers());
    }

    @Test
    void withNoMemberLeftEveryOpenTransactionOfTheApplicationIsAbandoned() {
        // A fleet started afresh after all its tasks were killed: the new processes have new ids.
        var verdict = AbandonedTransactions.decide(APP, List.of(txn(KILLED, 1), txn(OTHER, 3)), List.of());

        assertEquals(List.of(txn(KILLED, 1), txn(OTHER, 3)), verdict.abandoned());
    }

    @Test
    void bindsItsSettingsWithTheDocumentedDefaults() {
        Map<String, Object> offline = Map.of("kafka.enabled", false, "pulse.kafka.create-topics", false);
        try (ApplicationContext context = ApplicationContext.run(offline)) {
            AbandonedTransactionsProperties properties = context.getBean(AbandonedTransactionsProperties.class);
            assertTrue(properties.enabled());
            assertEquals(Duration.ofSeconds(1), properties.checkInterval());
        }
        try (ApplicationContext context = ApplicationContext.run(Map.of("kafka.enabled", false,
            "pulse.kafka.create-topics", false, "pulse.aggregates.abandoned-transactions.enabled", false,
            "pulse.aggregates.abandoned-transactions.check-interval", "3s"))) {
            assertEquals(Duration.ofSeconds(3),
                context.getBean(AbandonedTransactionsProperties.class).checkInterval());
            assertFalse(context.containsBean(AbandonedTransactions.class), "disabled: no sweeper");
        }
    }

    /** Kafka Streams 3.9's transactional id of a stream thread's producer under exactly_once_v2. */
    private static String txn(String process, int thread) {
        return APP + "-" + process + "-" + thread;
    }

    /** Kafka Streams' client id of a stream thread's main consumer, the group member, without client.id set. */
    private static String member(String process, int thread) {
        return APP + "-" + process + "-StreamThread-" + thread + "-consumer";
    }
}
