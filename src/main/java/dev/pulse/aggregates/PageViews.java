package dev.pulse.aggregates;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;

/** Views of one page in one window, as an entry of {@code top-pages}. */
@Serdeable
public record PageViews(@JsonProperty("page") String page, @JsonProperty("views") long views) {
}
