package dev.pulse;

import io.micronaut.runtime.Micronaut;

/** Starts the Pulse service. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
