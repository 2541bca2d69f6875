package dev.pulse.listeners;

import io.micronaut.configuration.kafka.config.AbstractKafkaProducerConfiguration;
import io.micronaut.context.BeanContext;
import io.micronaut.inject.qualifiers.Qualifiers;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.Properties;

/**
 * The listeners' transactional producers, one per owned input partition, with the settings of
 * {@code kafka.producers.<listener>} (else {@code kafka.producers.default}) and the Kafka connection of
 * {@code kafka.*}. Made here rather than by micronaut-kafka's producer registry, which keeps a single producer per
 * client id whatever transactional id is asked for.
 */
@Singleton
public class ListenerProducers implements TransactionalBatchRunner.ProducerFactory {

    private final BeanContext beans;

    public ListenerProducers(BeanContext beans) {
        this.beans = beans;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Producer<byte[], byte[]> create(String listener, String clientId, String transactionalId) {
        AbstractKafkaProducerConfiguration settings = beans
            .findBean(AbstractKafkaProducerConfiguration.class, Qualifiers.byName(listener))
            .orElseGet(() -> beans.getBean(AbstractKafkaProducerConfiguration.class));
        Properties config = new Properties();
        config.putAll(settings.getConfig());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
