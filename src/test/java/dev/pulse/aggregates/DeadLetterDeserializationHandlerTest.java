package dev.pulse.aggregates;

import dev.pulse.kafka.DeadLetter;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.DeserializationHandlerResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class DeadLetterDeserializationHandlerTest {

    @Test
    void sendsTheUndeserializableRecordToTheDeadLetterTopicAndContinues() throws Exception {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
        DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler(producer, "dlq-v2");
        byte[] key = "product-1".getBytes(StandardCharsets.UTF_8);
        byte[] value = "Laptop, 999".getBytes(StandardCharsets.UTF_8);

        DeserializationHandlerResponse response = handler.handle((org.apache.kafka.streams.errors.ErrorHandlerContext) null,
            new ConsumerRecord<>(Topics.PRODUCT_CATALOG, 2, 17L, key, value),
            new SerializationException("not valid JSON: Unrecognized token 'Laptop'"));

        assertEquals(DeserializationHandlerResponse.CONTINUE, response);
        assertEquals(1, producer.history().size());
        ProducerRecord<byte[], byte[]> sent = producer.history().get(0);
        assertEquals("dlq-v2", sent.topic());
        assertArrayEquals(key, sent.key());
        JsonNode letter = JsonMapper.createDefault().readValue(sent.value(), JsonNode.class);
        assertEquals("Laptop, 999", letter.get("original_record").getStringValue());
        assertEquals("not valid JSON: Unrecognized token 'Laptop'", letter.get("error").getStringValue());
        assertEquals(Topics.PRODUCT_CATALOG, letter.get("source_topic").getStringValue());
        assertEquals(2, letter.get("partition").getIntValue());
        assertEquals(17, letter.get("offset").getLongValue());
        assertEquals("17", new String(sent.headers().lastHeader(DeadLetter.HEADER_SOURCE_OFFSET).value(), StandardCharsets.UTF_8));
        assertEquals(Topics.PRODUCT_CATALOG,
            new String(sent.headers().lastHeader(DeadLetter.HEADER_SOURCE_TOPIC).value(), StandardCharsets.UTF_8));
    }
}
