package dev.pulse;

import io.micronaut.configuration.picocli.PicocliRunner;
import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;

/** Starts the Pulse service, or runs a command ({@link PulseCommand}) when the arguments name one. */
@OpenAPIDefinition(info = @Info(title = "Pulse", version = "1",
    description = "Real-time event processing on Kafka: ingest, aggregates, alerts and the dashboard read API"))
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        if (PulseCommand.handles(args)) {
            System.exit(PicocliRunner.execute(PulseCommand.class, args));
        }
        // No banner: with PULSE_LOG_FORMAT=JSON every line of output is a JSON object.
        Micronaut.build(args).mainClass(Application.class).banner(false).start();
    }
}
