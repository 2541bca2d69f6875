package dev.pulse.transform;

import dev.pulse.events.CategoryRecord;
import dev.pulse.events.Decoded;
import dev.pulse.events.EventDecoder;
import dev.pulse.deadletters.DeadLetterEncoder;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import dev.pulse.events.WireTime;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code input-topic} → {@code output-topic}: the input object as it came, plus {@code processed_value}
 * (= {@code value} × 2, exact: {@code 10} gives {@code 20}) and {@code processed_at} (epoch seconds), under the
 * input's key. A record that is not a valid input becomes a dead letter.
 */
@Singleton
public class TransformService {

    /**
     * An output above this would not fit the broker's default 1 MB message limit (1,048,588 bytes with the batch
     * overhead); its input goes to the dead-letter queue instead of blocking the partition.
     */
    static final int MAX_OUTPUT_BYTES = 1_000_000;

    private final EventDecoder decoder;
    private final JsonMapper json;
    private final DeadLetterEncoder deadLetters;
    private final String outputTopic;
    private final Clock clock;

    @Inject
    public TransformService(EventDecoder decoder, JsonMapper json, DeadLetterEncoder deadLetters, TopicNames topics) {
        this(decoder, json, deadLetters, topics.resolve(Topics.OUTPUT_TOPIC), Clock.systemUTC());
    }

    public TransformService(EventDecoder decoder, JsonMapper json, DeadLetterEncoder deadLetters, String outputTopic,
                            Clock clock) {
        this.decoder = decoder;
        this.json = json;
        this.deadLetters = deadLetters;
        this.outputTopic = outputTopic;
        this.clock = clock;
    }

    public List<ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> records) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            out.add(transform(record));
        }
        return out;
    }

    /** Whole numbers stay whole ({@code 10} → {@code 20}); decimals are doubled in decimal ({@code 0.1} → {@code 0.2}). */
    static Number doubled(Number value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return java.math.BigInteger.valueOf(value.longValue()).shiftLeft(1);
        }
        if (value instanceof java.math.BigInteger big) {
            return big.shiftLeft(1);
        }
        BigDecimal decimal = value instanceof BigDecimal d ? d : new BigDecimal(value.toString());
        return decimal.multiply(BigDecimal.valueOf(2));
    }

    ProducerRecord<byte[], byte[]> transform(ConsumerRecord<byte[], byte[]> record) {
        Decoded<JsonNode> parsed = decoder.parseBytes(record.value());
        // The record's timestamp is checked as Streams checks it (it reads this topic too and leaves its dead letters here).
        Decoded<CategoryRecord> valid = parsed.isValid()
            ? decoder.checkRecordTime(decoder.decodeRecord(parsed.value()), CategoryRecord::eventTimeMs, record.timestamp())
            : Decoded.invalid(parsed.error());
        if (!valid.isValid()) {
            return deadLetters.record(record, valid.error());
        }
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : parsed.value().entries()) {
            fields.put(field.getKey(), field.getValue());
        }
        fields.put("processed_value", JsonNode.createNumberNodeImpl(doubled(parsed.value().get("value").getNumberValue())));
        fields.put("processed_at", JsonNode.createNumberNodeImpl(WireTime.epochSeconds(clock.millis())));
        byte[] output;
        try {
            output = json.writeValueAsBytes(JsonNode.createObjectNode(fields));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (output.length > MAX_OUTPUT_BYTES) {
            return deadLetters.record(record, "output would be " + output.length + " bytes, above the "
                + MAX_OUTPUT_BYTES + "-byte limit for a record");
        }
        return new ProducerRecord<>(outputTopic, null, null, record.key(), output);
    }
}
