package dev.pulse.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** A product from the compacted {@code product-catalog} table; any object is a product. */
@Serdeable
public record Product(
    @JsonProperty("name") @Nullable String name,
    @JsonProperty("price") @Nullable Double price) {
}
