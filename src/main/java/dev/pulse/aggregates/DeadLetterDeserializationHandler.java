package dev.pulse.aggregates;

import dev.pulse.kafka.DeadLetter;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Deserialization exception handler of the aggregates stream: a record whose value Streams cannot
 * deserialize goes to the dead-letter topic, with the reason and its origin, and processing goes on.
 *
 * <p>The topology reads its inputs as bytes and decodes them in processors, which route bad records
 * themselves; this handler serves the one input read outside processors, the {@code product-catalog}
 * global table. Its dead letters are sent by a producer of its own, outside the stream's transactions
 * (at least once). The dead-letter topic is the Streams setting {@value #DEAD_LETTER_TOPIC_CONFIG}.
 */
public class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    /** Streams setting naming the dead-letter topic (default {@code dead-letter-queue}). */
    public static final String DEAD_LETTER_TOPIC_CONFIG = "pulse.dead.letter.topic";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

    private final JsonMapper jsonMapper = JsonMapper.createDefault();
    private Map<String, Object> producerConfig;
    private Producer<byte[], byte[]> producer;
    private String topic = Topics.DEAD_LETTER_QUEUE;

    public DeadLetterDeserializationHandler() {
    }

    /** With a given producer (tests). */
    DeadLetterDeserializationHandler(Producer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object configured = configs.get(DEAD_LETTER_TOPIC_CONFIG);
        if (configured != null && !configured.toString().isBlank()) {
            topic = configured.toString();
        }
        Map<String, Object> streamsConfig = new HashMap<>(configs);
        streamsConfig.remove(DEAD_LETTER_TOPIC_CONFIG);
        producerConfig = new StreamsConfig(streamsConfig).getProducerConfigs(
            configs.get(StreamsConfig.APPLICATION_ID_CONFIG) + "-dead-letters");
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                 Exception exception) {
        String reason = exception.getMessage() == null ? exception.toString() : exception.getMessage();
        DeadLetter deadLetter = DeadLetter.of(record.value(), reason, record.topic(), record.partition(), record.offset(),
            System.currentTimeMillis());
        try {
            producer().send(new ProducerRecord<>(topic, null, null, record.key(), jsonMapper.writeValueAsBytes(deadLetter),
                deadLetter.headers()), (metadata, failure) -> {
                    if (failure != null) {
                        LOG.error("Could not send a dead letter of {}-{}@{} ({}): {}", record.topic(), record.partition(),
                            record.offset(), reason, failure.toString());
                    }
                });
        } catch (IOException | RuntimeException e) {
            LOG.error("Could not send a dead letter of {}-{}@{} ({})", record.topic(), record.partition(), record.offset(),
                reason, e);
        }
        return DeserializationHandlerResponse.CONTINUE;
    }

    private synchronized Producer<byte[], byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }
}
