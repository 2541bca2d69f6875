package dev.pulse.dashboard;

/**
 * A ready answer kept from a compacted topic that {@link ReadModelsReader} reads whole on every instance: a read is a
 * lookup of the last snapshot the reader published, never a scan, and needs no other instance. Until the model
 * {@link #answers()}, reads go the old way (stores, peers, Redis).
 *
 * <p>The reader's one thread writes the model; once a poll finds the reader at the end the topic had at start-up,
 * it marks the model {@link #current}.
 */
abstract class ReadModel {

    private volatile boolean ready;
    private volatile long asOf;

    /**
     * Marks the state as complete and current at {@code now} (writer's thread, after a poll that found the reader at
     * the topic's end).
     */
    final void current(long now) {
        asOf = now;
        ready = true;
    }

    /** Publishes to readers what the writer has applied since the last publish (writer's thread). */
    abstract void publish();

    /** Whether what the topic held when the reader started has been read. */
    public boolean ready() {
        return ready;
    }

    /** Whether reads may take the model's answer. */
    public abstract boolean answers();

    /** When the reader last found itself at the end of the topic: what an answer is as of. */
    protected final long asOf() {
        return asOf;
    }

    /** An answer's {@code {"items": …, "as_of", "source": "state"}}. */
    protected final String answer(String itemsJson) {
        return "{\"items\":" + itemsJson + ",\"as_of\":" + asOf + ",\"source\":\"state\"}";
    }
}
