package dev.pulse.aggregates;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pulse.events.Click;
import io.micronaut.serde.annotation.Serdeable;

/**
 * A decoded click with what the outputs need besides: its JSON as it arrived (enriched-clicks
 * repeats its fields) and its event time (click-purchases reports the time difference).
 */
@Serdeable
record ClickEvent(
    @JsonProperty("click") Click click,
    @JsonProperty("original") String original,
    @JsonProperty("time_ms") long timeMs) {
}
