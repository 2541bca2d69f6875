package dev.pulse.deadletters;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/**
 * What a replay did, or in a dry run would do, with the dead letters that matched its filter.
 *
 * @param matched      dead letters that matched: the sum of the four counts below
 * @param replayed     re-published to their source topic by this request (in a dry run: would be)
 * @param skipped      replayed already, by an earlier request
 * @param failed       could not be re-published: their value was cut ({@code truncated}), or their source topic is
 *                     gone, or Kafka refused the record; they stay in the queue and can be replayed again
 * @param failingAgain dead letters of records that were themselves replays ({@code replay_of}): left alone, so that
 *                     a record that still fails is not replayed in a loop ({@code include_replays} replays them)
 * @param failures     the first 100 failures, each with its dead letter and the reason
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ReplayResult(
    @JsonProperty("dry_run") boolean dryRun,
    @JsonProperty("matched") long matched,
    @JsonProperty("replayed") long replayed,
    @JsonProperty("skipped") long skipped,
    @JsonProperty("failed") long failed,
    @JsonProperty("failing_again") long failingAgain,
    @JsonProperty("failures") List<Failure> failures) {

    /** @param deadLetter {@code <topic>/<partition>/<offset>} */
    @Serdeable
    public record Failure(@JsonProperty("dead_letter") String deadLetter, @JsonProperty("reason") String reason) {
    }
}
