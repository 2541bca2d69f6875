package dev.pulse;

import dev.pulse.deadletters.DeadLettersCommand;
import picocli.CommandLine.Command;

import java.util.Set;

/**
 * Pulse's command line, for operators without HTTP access: {@code java -jar pulse.jar dead-letters replay …}. It runs
 * in Micronaut's {@code cli} environment ({@code application-cli.yml}), where no listener, stream or server starts.
 */
@Command(name = "java -jar pulse.jar", mixinStandardHelpOptions = true,
    description = "Pulse's operations from the command line; without arguments, the jar starts the service.",
    subcommands = DeadLettersCommand.class)
public class PulseCommand implements Runnable {

    private static final Set<String> COMMANDS = Set.of(DeadLettersCommand.NAME);

    /** Whether {@code args} ask for a command rather than the service. */
    static boolean handles(String[] args) {
        return args.length > 0 && COMMANDS.contains(args[0]);
    }

    @Override
    public void run() {
        // only the subcommands do something
    }
}
