package dev.pulse.deadletters;

import io.micronaut.core.annotation.Nullable;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which dead letters a listing or a replay is about; every part is optional.
 *
 * @param sourceTopic the topic the rejected records came from
 * @param reason      the reason class of their error
 * @param from        rejected at or after, epoch seconds (inclusive)
 * @param to          rejected before, epoch seconds (exclusive)
 */
public record DeadLetterFilter(@Nullable String sourceTopic, @Nullable DeadLetterReason reason, @Nullable Long from,
                               @Nullable Long to) {

    /** Everything. */
    public static final DeadLetterFilter ALL = new DeadLetterFilter(null, null, null, null);

    public DeadLetterFilter {
        if (from != null && to != null && from >= to) {
            throw new BadFilterException("'from' must be before 'to', got from=" + from + " to=" + to);
        }
        if (sourceTopic != null && sourceTopic.isBlank()) {
            sourceTopic = null;
        }
    }

    /**
     * A filter from request parameters.
     *
     * @param error a reason class label ({@code invalid_json}, …); anything else is a {@link BadFilterException}
     */
    public static DeadLetterFilter of(@Nullable String sourceTopic, @Nullable String error, @Nullable Long from,
                                      @Nullable Long to) {
        DeadLetterReason reason = null;
        if (error != null && !error.isBlank()) {
            reason = DeadLetterReason.ofLabel(error.trim()).orElseThrow(() -> new BadFilterException(
                "unknown 'error' " + error + ": expected one of " + Arrays.stream(DeadLetterReason.values())
                    .map(DeadLetterReason::label).collect(Collectors.joining(", "))));
        }
        return new DeadLetterFilter(sourceTopic, reason, from, to);
    }

    /** @param rejectedAtMs when the record was rejected, epoch ms */
    public boolean matches(String letterSourceTopic, DeadLetterReason letterReason, long rejectedAtMs) {
        return (sourceTopic == null || sourceTopic.equals(letterSourceTopic))
            && (reason == null || reason == letterReason)
            && (from == null || rejectedAtMs >= from * 1000)
            && (to == null || rejectedAtMs < to * 1000);
    }

    public boolean matches(DeadLetter letter) {
        return matches(letter.sourceTopic(), letter.reason(), rejectedAtMs(letter));
    }

    /** A dead letter's {@code timestamp} (epoch seconds, maybe with a fraction) in epoch ms. */
    public static long rejectedAtMs(DeadLetter letter) {
        Number seconds = letter.timestamp();
        if (seconds == null) {
            return 0;
        }
        if (seconds instanceof Integer || seconds instanceof Long) {
            return seconds.longValue() * 1000;
        }
        return new BigDecimal(seconds.toString()).movePointRight(3).longValue();
    }
}
