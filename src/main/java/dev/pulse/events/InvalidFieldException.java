package dev.pulse.events;

/**
 * Thrown inside the decoders when a field does not fit the contract; turned into a
 * {@link Decoded#invalid(String)} at their edge, so callers never see it.
 */
final class InvalidFieldException extends RuntimeException {

    InvalidFieldException(String message) {
        super(message, null, false, false);
    }

    static InvalidFieldException field(String field, String expected, String got) {
        return new InvalidFieldException("field '" + field + "': expected " + expected + ", got " + got);
    }
}
