package dev.pulse.aggregates;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;

/**
 * JSON serde for the topology's internal {@code @Serdeable} values (repartition topics, stores), there always wrapped in
 * {@link VersionedSerde#json}.
 */
final class JsonSerde<T> implements Serde<T> {

    private final JsonMapper jsonMapper;
    private final Argument<T> type;

    JsonSerde(JsonMapper jsonMapper, Class<T> type) {
        this.jsonMapper = jsonMapper;
        this.type = Argument.of(type);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                return jsonMapper.writeValueAsBytes(type, data);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + type.getName() + " as JSON", e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                return jsonMapper.readValue(data, type);
            } catch (IOException e) {
                throw new SerializationException("cannot read " + type.getName() + " from JSON", e);
            }
        };
    }
}
