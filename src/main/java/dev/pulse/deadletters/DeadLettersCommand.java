package dev.pulse.deadletters;

import io.micronaut.context.annotation.Prototype;
import io.micronaut.json.JsonMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/**
 * {@code java -jar pulse.jar dead-letters replay --source-topic … [--error …] [--from …] [--to …] [--dry-run]
 * [--include-replays]}: the replay of {@code POST /api/dead-letters/replay}, by the same service, for operators who
 * reach Kafka but not Pulse's HTTP port. Prints the answer as JSON on the last line. Exit status: 0 done, 2 done with
 * dead letters that could not be replayed, 3 another replay took over, 1 Kafka failed, 64 a bad option.
 */
@Command(name = DeadLettersCommand.NAME, mixinStandardHelpOptions = true, description = "Dead letters.",
    subcommands = DeadLettersCommand.Replay.class)
public class DeadLettersCommand implements Runnable {

    public static final String NAME = "dead-letters";

    @Override
    public void run() {
        // only the subcommands do something
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Re-publish dead letters to their source topics, each at most once, in their order.")
    @Prototype
    public static class Replay implements Callable<Integer> {

        private final DeadLetterReplayService service;
        private final JsonMapper jsonMapper;

        @Option(names = "--source-topic", required = true, description = "the topic the records came from")
        String sourceTopic;

        @Option(names = "--error", description = "a reason class: invalid_json, missing_field, too_large, …")
        String error;

        @Option(names = "--from", description = "rejected at or after, epoch seconds")
        Long from;

        @Option(names = "--to", description = "rejected before, epoch seconds")
        Long to;

        @Option(names = "--dry-run", description = "count what would be replayed, replay nothing")
        boolean dryRun;

        @Option(names = "--include-replays", description = "replay also dead letters of records that were replays")
        boolean includeReplays;

        public Replay(DeadLetterReplayService service, JsonMapper jsonMapper) {
            this.service = service;
            this.jsonMapper = jsonMapper;
        }

        @Override
        public Integer call() {
            DeadLetterFilter filter;
            try {
                filter = DeadLetterFilter.of(sourceTopic, error, from, to);
            } catch (BadFilterException e) {
                System.err.println(e.getMessage());
                return 64;
            }
            try {
                ReplayResult result = service.replay(filter, dryRun, includeReplays);
                System.out.println(json(result));
                return result.failed() > 0 ? 2 : 0;
            } catch (ReplayStoppedException e) {
                System.out.println(json(e.sofar()));
                System.err.println(e.getMessage());
                return e.fenced() ? 3 : 1;
            }
        }

        private String json(ReplayResult result) {
            try {
                return jsonMapper.writeValueAsString(result);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
