package dev.pulse.deadletters;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * The body of {@code POST /api/dead-letters/replay}: the filters of {@code GET /api/dead-letters} and what to do.
 *
 * @param dryRun         count what would be replayed, replay nothing
 * @param includeReplays replay also dead letters whose record was a replay itself (left alone by default)
 */
@Serdeable
public record ReplayRequest(
    @JsonProperty("source_topic") @Nullable String sourceTopic,
    @JsonProperty("error") @Nullable String error,
    @JsonProperty("from") @Nullable Long from,
    @JsonProperty("to") @Nullable Long to,
    @JsonProperty("dry_run") @Nullable Boolean dryRun,
    @JsonProperty("include_replays") @Nullable Boolean includeReplays) {

    public DeadLetterFilter filter() {
        return DeadLetterFilter.of(sourceTopic, error, from, to);
    }
}
