package dev.pulse.aggregates;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;

/**
 * Count, sum, minimum and maximum of the numbers seen so far: the state behind
 * {@code aggregated-topic}, {@code windowed-aggregates} and {@code device-averages}.
 */
@Serdeable
public record Stats(
    @JsonProperty("count") long count,
    @JsonProperty("sum") double sum,
    @JsonProperty("min") double min,
    @JsonProperty("max") double max) {

    public static Stats empty() {
        return new Stats(0, 0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
    }

    public Stats add(double value) {
        return new Stats(count + 1, sum + value, Math.min(min, value), Math.max(max, value));
    }

    public double average() {
        return count == 0 ? 0.0 : sum / count;
    }
}
