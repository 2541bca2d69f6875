package dev.pulse.events;

import java.util.Objects;
import java.util.function.Function;

/**
 * The outcome of decoding one record: a value, or the reason it was rejected.
 *
 * <p>Reasons name the field, what was expected and what was found, for example
 * {@code field 'temperature': expected a number, got string "hot"}; they go to the
 * dead-letter queue and into HTTP 400 answers as they are.
 *
 * @param value the decoded value, {@code null} when rejected
 * @param error why the record was rejected, {@code null} when decoded
 * @param <T> the decoded type
 */
public record Decoded<T>(T value, String error) {

    public static <T> Decoded<T> ok(T value) {
        return new Decoded<>(Objects.requireNonNull(value), null);
    }

    public static <T> Decoded<T> invalid(String error) {
        return new Decoded<>(null, Objects.requireNonNull(error));
    }

    public boolean isValid() {
        return error == null;
    }

    /** Applies {@code f} to a decoded value; a rejection passes through unchanged. */
    public <R> Decoded<R> map(Function<? super T, R> f) {
        return isValid() ? ok(f.apply(value)) : invalid(error);
    }
}
