package dev.pulse.aggregates;

import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the output values: JSON objects in field order, whole numbers without a fraction. */
final class JsonOut {

    private final Map<String, JsonNode> fields = new LinkedHashMap<>();

    static JsonOut object() {
        return new JsonOut();
    }

    /** Starts from the fields of {@code original} (an object), in their order. */
    static JsonOut copyOf(JsonNode original) {
        JsonOut out = new JsonOut();
        for (Map.Entry<String, JsonNode> entry : original.entries()) {
            out.fields.put(entry.getKey(), entry.getValue());
        }
        return out;
    }

    JsonOut put(String name, String value) {
        fields.put(name, value == null ? JsonNode.nullNode() : JsonNode.createStringNode(value));
        return this;
    }

    JsonOut put(String name, long value) {
        fields.put(name, JsonNode.createNumberNode(value));
        return this;
    }

    JsonOut put(String name, Double value) {
        fields.put(name, number(value));
        return this;
    }

    JsonOut put(String name, JsonNode value) {
        fields.put(name, value);
        return this;
    }

    /** Epoch milliseconds written as epoch seconds (the contract's unit for times Pulse writes). */
    JsonOut putSeconds(String name, long epochMillis) {
        fields.put(name, epochMillis % 1000 == 0
            ? JsonNode.createNumberNode(epochMillis / 1000)
            : JsonNode.createNumberNode(epochMillis / 1000.0));
        return this;
    }

    JsonNode node() {
        return JsonNode.createObjectNode(fields);
    }

    byte[] bytes(JsonMapper jsonMapper) {
        try {
            return jsonMapper.writeValueAsBytes(node());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON", e);
        }
    }

    static JsonNode number(Double value) {
        if (value == null || !Double.isFinite(value)) {
            return JsonNode.nullNode();
        }
        double whole = Math.rint(value);
        return whole == value && Math.abs(value) < 1e15
            ? JsonNode.createNumberNode((long) whole)
            : JsonNode.createNumberNode(value);
    }
}
