package dev.pulse.deadletters;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * The dead-letter queue and its replays ({@code pulse.dead-letters.*}).
 *
 * @param retention        how long {@code dead-letter-queue} keeps dead letters ({@code retention.ms} when Pulse
 *                         creates it): the window in which they can be seen and replayed. {@code dead-letter-replays}
 *                         keeps its records twice as long, so a dead letter never outlives the record that it was
 *                         replayed
 * @param maxMessageBytes  the largest dead-letter record: the queue's {@code max.message.bytes} (set when Pulse creates
 *                         it, raised on an existing queue that allows less) and {@code max.request.size} of every
 *                         producer that writes dead letters (see {@code application.yml}). Values up to an eighth of
 *                         it are kept whole: the worst case of JSON escaping (a control character becomes six
 *                         characters) plus the key and headers still fit. 8 MiB keeps every value a default broker
 *                         (1 MB) accepts
 * @param indexSize        how many dead letters each instance holds in memory to answer
 *                         {@code GET /api/dead-letters}: the newest by rejection time (about 300 bytes each)
 * @param replayBatch      dead letters re-published per Kafka transaction during a replay
 * @param replayBatchBytes a replay transaction is committed once its values reach this many bytes, however few
 */
@ConfigurationProperties("pulse.dead-letters")
public record DeadLetterProperties(
    @Bindable(defaultValue = "14d") Duration retention,
    @Bindable(defaultValue = "8388608") int maxMessageBytes,
    @Bindable(defaultValue = "50000") int indexSize,
    @Bindable(defaultValue = "500") int replayBatch,
    @Bindable(defaultValue = "16777216") int replayBatchBytes) {

    public DeadLetterProperties {
        if (maxMessageBytes < 1024 * 1024) {
            throw new IllegalArgumentException("pulse.dead-letters.max-message-bytes must be at least 1 MiB, got "
                + maxMessageBytes);
        }
        if (indexSize < 1 || replayBatch < 1 || replayBatchBytes < 1) {
            throw new IllegalArgumentException("pulse.dead-letters.index-size, replay-batch and replay-batch-bytes must "
                + "be at least 1");
        }
    }

    /** Values up to this many bytes are kept whole in a dead letter. */
    public int maxValueBytes() {
        return maxMessageBytes / 8;
    }

    /** The {@code retention.ms} of the queue: -1 (keep for ever) for a zero or negative retention. */
    public long retentionMs() {
        return retention.isNegative() || retention.isZero() ? -1 : retention.toMillis();
    }
}
