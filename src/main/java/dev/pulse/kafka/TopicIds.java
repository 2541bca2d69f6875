package dev.pulse.kafka;

import io.micronaut.core.annotation.Nullable;

/**
 * Kafka's id of a topic (a UUID the cluster gives it when it is created), by name: a topic deleted and created again
 * under the same name has a new id, and its offsets start again at 0.
 */
public interface TopicIds {

    /** Knows no ids: for code run without a cluster (unit tests, benchmarks). */
    TopicIds NONE = (topic, fresh) -> null;

    /**
     * @param fresh ask the cluster now, rather than take an answer it gave a few seconds ago
     * @return the topic's id, or {@code null} when the cluster does not know the topic (deleted, not created yet)
     */
    @Nullable
    String id(String topic, boolean fresh);
}
