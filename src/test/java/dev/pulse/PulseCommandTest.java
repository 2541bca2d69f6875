package dev.pulse;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code java -jar pulse.jar} starts the service unless its first argument names a command. */
class PulseCommandTest {

    @Test
    void startsTheServiceWithoutArgumentsOrWithMicronautOnes() {
        assertFalse(PulseCommand.handles(new String[0]));
        assertFalse(PulseCommand.handles(new String[] {"-micronaut.server.port=9090"}));
        assertFalse(PulseCommand.handles(new String[] {"--help"}));
    }

    @Test
    void runsTheDeadLettersCommand() {
        assertTrue(PulseCommand.handles(new String[] {"dead-letters", "replay", "--source-topic", "word-counts"}));
    }
}
