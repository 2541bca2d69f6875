package dev.pulse.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** A profile from the compacted {@code user-profiles} table; any object is a profile. */
@Serdeable
public record UserProfile(
    @JsonProperty("name") @Nullable String name,
    @JsonProperty("age") @Nullable Double age) {
}
