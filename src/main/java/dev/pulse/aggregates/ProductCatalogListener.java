package dev.pulse.aggregates;

import dev.pulse.events.Decoded;
import dev.pulse.events.EventDecoder;
import dev.pulse.events.Product;
import dev.pulse.listeners.BatchListener;
import dev.pulse.deadletters.DeadLetterEncoder;
import dev.pulse.listeners.ListenerHealth;
import dev.pulse.kafka.Topics;
import dev.pulse.listeners.TransactionalBatchRunner;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Requires;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code product-catalog} → {@code dead-letter-queue}: the dead letters of the catalog, exactly once, in the
 * batch's transaction with the group's offsets. The catalog itself is a global table of the aggregates topology;
 * Kafka Streams fills a global table on start-up by copying its topic without deserializing it, so a bad record
 * that arrived while Pulse was down would never reach a deserialization handler there. This group reads every
 * record once, whenever it arrived. Valid records produce nothing here.
 */
@KafkaListener(groupId = "${pulse.listeners.catalog.group-id:pulse-product-catalog}", clientId = ProductCatalogListener.NAME,
    batch = true, offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.DISABLED,
    isolation = IsolationLevel.READ_COMMITTED)
@Requires(property = "pulse.listeners.catalog.enabled", notEquals = "false")
public class ProductCatalogListener extends BatchListener {

    static final String NAME = "pulse-product-catalog";

    public ProductCatalogListener(EventDecoder decoder, DeadLetterEncoder deadLetters, TransactionalBatchRunner runner,
                                  ListenerHealth health) {
        super(NAME, runner, health, records -> check(decoder, deadLetters, records));
    }

    @Topic(Topics.PRODUCT_CATALOG_PROPERTY)
    void receive(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        handle(records, consumer);
    }

    /** The dead letters of one poll: records without a product id (key), and values that are not a product object. */
    static List<ProducerRecord<byte[], byte[]>> check(EventDecoder decoder, DeadLetterEncoder deadLetters,
                                                       List<ConsumerRecord<byte[], byte[]>> records) {
        List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String key = record.key() == null ? null : EventDecoder.utf8(record.key());
            if (key == null || key.isBlank()) {
                // The global table drops a record without a product id without a word: say so here.
                letters.add(deadLetters.record(record, "expected the product id as the record key, got "
                    + (record.key() == null ? "no key" : key == null ? "a key that is not UTF-8" : "a blank key")));
                continue;
            }
            if (record.value() == null) {
                continue; // a deletion
            }
            Decoded<Product> product = decoder.decodeProduct(record.value());
            if (!product.isValid()) {
                letters.add(deadLetters.record(record, product.error()));
            }
        }
        return letters;
    }
}
