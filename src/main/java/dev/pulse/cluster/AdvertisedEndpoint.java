package dev.pulse.cluster;

import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.server.HttpServerConfiguration;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Properties;

/**
 * Gives each Kafka Streams configuration its {@code application.server}: this instance's {@link AdvertisedAddress}
 * and HTTP port, which Streams shares with every instance of the application so that each can tell who holds a key.
 * micronaut-kafka-streams builds the Streams properties from {@code kafka.streams.<name>.*} into the
 * {@link ConfiguredStreamBuilder} bean, and the {@code KafkaStreams} bean is made from that builder's (mutable)
 * properties, so setting it here, as the builder is created, reaches Streams. An {@code application.server} set
 * explicitly ({@code kafka.streams.default.application.server}) is kept. With a random HTTP port ({@code -1} or
 * {@code 0}: tests) there is none: the port is not known before the server binds.
 */
@Singleton
class AdvertisedEndpoint implements BeanCreatedEventListener<ConfiguredStreamBuilder> {

    private static final Logger LOG = LoggerFactory.getLogger(AdvertisedEndpoint.class);
    // Netty's port when micronaut.server.port is not set at all
    private static final int DEFAULT_PORT = 8080;

    private final BeanProvider<AdvertisedAddress> address;
    private final BeanProvider<HttpServerConfiguration> server;

    AdvertisedEndpoint(BeanProvider<AdvertisedAddress> address, BeanProvider<HttpServerConfiguration> server) {
        this.address = address;
        this.server = server;
    }

    @Override
    public ConfiguredStreamBuilder onCreated(BeanCreatedEvent<ConfiguredStreamBuilder> event) {
        Properties config = event.getBean().getConfiguration();
        String explicit = config.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
        if (explicit != null && !explicit.isBlank()) {
            LOG.info("Stream {}: application.server {} as configured", event.getBean().getName(), explicit);
            return event.getBean();
        }
        int port = server.get().getPort().orElse(DEFAULT_PORT);
        if (port <= 0) {
            LOG.info("Stream {}: no application.server, the HTTP port is random ({})", event.getBean().getName(), port);
            return event.getBean();
        }
        config.put(StreamsConfig.APPLICATION_SERVER_CONFIG, address.get().endpoint(port));
        return event.getBean();
    }
}
