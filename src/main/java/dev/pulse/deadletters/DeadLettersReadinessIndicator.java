package dev.pulse.deadletters;

import dev.pulse.kafka.WholeTopicReadiness;
import io.micronaut.context.annotation.Requires;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;

/**
 * Readiness of the dead-letter list: DOWN until this instance has read {@code dead-letter-queue} to the end it had
 * when it started ({@link DeadLetterQueueReader}); {@code GET /api/dead-letters} answers 503 until then.
 */
@Singleton
@Readiness
@Requires(bean = DeadLetterQueueReader.class)
public class DeadLettersReadinessIndicator extends WholeTopicReadiness {

    static final String NAME = "pulseDeadLetters";

    public DeadLettersReadinessIndicator(DeadLetterIndex index) {
        super(NAME, "dead_letter_queue_read", index::isComplete);
    }
}
