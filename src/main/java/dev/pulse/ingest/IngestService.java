package dev.pulse.ingest;

import dev.pulse.events.Decoded;
import dev.pulse.events.EventDecoder;
import dev.pulse.kafka.TopicNames;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates an ingest body completely, then publishes it: one event or a JSON array of events,
 * each checked by the same decoder the topic's consumers use and keyed as the contract says. A
 * single invalid element rejects the whole request before anything is sent.
 */
@Singleton
public class IngestService {

    /** Most events one request may carry. */
    public static final int MAX_EVENTS = 10_000;

    private final EventDecoder decoder;
    private final JsonMapper jsonMapper;
    private final TopicNames topicNames;
    private final EventPublisher publisher;

    public IngestService(EventDecoder decoder, JsonMapper jsonMapper, TopicNames topicNames, EventPublisher publisher) {
        this.decoder = decoder;
        this.jsonMapper = jsonMapper;
        this.topicNames = topicNames;
        this.publisher = publisher;
    }

    /**
     * @param body a JSON object or array; for {@code words}, also a plain text line
     * @return how many events were published
     * @throws InvalidEventException with the reason, when any element is invalid (nothing published)
     */
    public int ingest(IngestStream stream, String body, boolean plainText) {
        List<ProducerRecord<String, byte[]>> records = toRecords(stream, body, plainText);
        publisher.publishAll(records);
        return records.size();
    }

    /** Validation and keying alone; nothing is sent. */
    List<ProducerRecord<String, byte[]>> toRecords(IngestStream stream, String body, boolean plainText) {
        String topic = topicNames.resolve(stream.topic());
        if (plainText) {
            if (stream != IngestStream.WORDS) {
                throw new InvalidEventException("stream '" + stream.path() + "' takes JSON (Content-Type: application/json)");
            }
            check(decoder.decodeWords(body.getBytes(StandardCharsets.UTF_8)), -1);
            return List.of(new ProducerRecord<>(topic, null, body.getBytes(StandardCharsets.UTF_8)));
        }
        if (body == null || body.isBlank()) {
            throw new InvalidEventException("empty body: expected a JSON event or an array of events");
        }
        Decoded<JsonNode> parsed = decoder.parse(body);
        if (!parsed.isValid()) {
            throw new InvalidEventException(parsed.error());
        }
        List<JsonNode> elements = new ArrayList<>();
        boolean array = parsed.value().isArray();
        if (array) {
            parsed.value().values().forEach(elements::add);
            if (elements.isEmpty()) {
                throw new InvalidEventException("empty array: expected at least one event");
            }
            if (elements.size() > MAX_EVENTS) {
                throw new InvalidEventException("too many events: " + elements.size() + " in one request, at most " + MAX_EVENTS);
            }
        } else {
            elements.add(parsed.value());
        }
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(elements.size());
        for (int i = 0; i < elements.size(); i++) {
            records.add(toRecord(stream, topic, elements.get(i), array ? i : -1));
        }
        return records;
    }

    private ProducerRecord<String, byte[]> toRecord(IngestStream stream, String topic, JsonNode element, int index) {
        String key = null;
        JsonNode value = element;
        if (stream.keyField() != null) {
            key = check(decoder.decodeKeyField(element, stream.keyField()), index);
            value = without(element, stream.keyField());
        }
        switch (stream) {
            case WORDS -> check(decoder.decodeWords(element), index);
            case SENSORS -> key = check(decoder.decodeSensor(null, element), index).deviceId();
            case RECORDS -> check(decoder.decodeRecord(element), index);
            case USER_EVENTS -> key = check(decoder.decodeUserEvent(element), index).userId();
            case CLICKS -> key = check(decoder.decodeClick(element), index).user();
            case PURCHASES -> key = check(decoder.decodePurchase(element), index).user();
            case PROFILES -> check(decoder.decodeProfile(value), index);
            case PRODUCTS -> check(decoder.decodeProduct(value), index);
            case TRANSACTIONS -> key = check(decoder.decodePayment(element), index).cardId();
            case THRESHOLDS -> check(decoder.decodeThreshold(value), index);
            default -> throw new IllegalStateException("unhandled stream " + stream);
        }
        // A text line sent as a JSON string reaches the topic as the plain line the tutorials produce.
        byte[] bytes = value.isString() ? value.getStringValue().getBytes(StandardCharsets.UTF_8) : json(value);
        return new ProducerRecord<>(topic, key, bytes);
    }

    private static <T> T check(Decoded<T> decoded, int index) {
        if (!decoded.isValid()) {
            throw new InvalidEventException(index < 0 ? decoded.error() : "event [" + index + "]: " + decoded.error());
        }
        return decoded.value();
    }

    private static JsonNode without(JsonNode object, String field) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : object.entries()) {
            if (!entry.getKey().equals(field)) {
                fields.put(entry.getKey(), entry.getValue());
            }
        }
        return JsonNode.createObjectNode(fields);
    }

    private byte[] json(JsonNode node) {
        try {
            return jsonMapper.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
