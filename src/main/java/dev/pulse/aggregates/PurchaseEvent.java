package dev.pulse.aggregates;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pulse.events.Purchase;
import io.micronaut.serde.annotation.Serdeable;

/** A decoded purchase with its JSON as it arrived and its event time; see {@link ClickEvent}. */
@Serdeable
record PurchaseEvent(
    @JsonProperty("purchase") Purchase purchase,
    @JsonProperty("original") String original,
    @JsonProperty("time_ms") long timeMs) {
}
