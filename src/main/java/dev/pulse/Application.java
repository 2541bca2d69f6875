package dev.pulse;

import io.micronaut.runtime.Micronaut;

/** Starts the Pulse service. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        // No banner: with PULSE_LOG_FORMAT=JSON every line of output is a JSON object.
        Micronaut.build(args).mainClass(Application.class).banner(false).start();
    }
}
