package dev.pulse.bench;

/** A scenario whose outputs did not come out as expected, or that could not be measured: the run fails. */
final class BenchFailure extends RuntimeException {

    BenchFailure(String message) {
        super(message);
    }
}
