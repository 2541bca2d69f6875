package dev.pulse.dashboard;

import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Finds which instance holds a key of a Kafka Streams store (interactive-query metadata, from each
 * instance's {@code application.server}) and asks it over HTTP when it is not this one. A request
 * carrying {@link #FORWARDED} is answered from local state only, so a question never travels twice.
 */
@Singleton
public class StoreRouter {

    /** Marks a request one instance sends another. */
    public static final String FORWARDED = "X-Pulse-Forwarded";

    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public StoreRouter(KafkaStreams streams, @Named("default") ConfiguredStreamBuilder builder) {
        this.streams = streams;
        String server = builder.getConfiguration().getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
        this.self = server == null || server.isBlank() ? null : HostInfo.buildFromEndpoint(server);
    }

    /** The instance holding {@code key} of {@code store}, when that is another one. */
    public Optional<HostInfo> remoteOwner(String store, String key) {
        if (self == null) {
            return Optional.empty();
        }
        KeyQueryMetadata metadata = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        HostInfo owner = metadata.activeHost();
        return owner == null || owner.equals(self) || owner.equals(KeyQueryMetadata.NOT_AVAILABLE.activeHost())
            ? Optional.empty() : Optional.of(owner);
    }

    /** The other instances that hold a part of {@code store}. */
    public List<HostInfo> otherHolders(String store) {
        if (self == null) {
            return List.of();
        }
        return streams.streamsMetadataForStore(store).stream()
            .map(StreamsMetadata::hostInfo)
            .filter(host -> !host.equals(self))
            .distinct()
            .toList();
    }

    /** GETs {@code pathAndQuery} from {@code host}, marked as forwarded; the answer's body. */
    public String get(HostInfo host, String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery))
            .header(FORWARDED, "true")
            .header("Accept", "application/json")
            .timeout(Duration.ofSeconds(5))
            .GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(host + pathAndQuery + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException(host + " did not answer " + pathAndQuery + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static boolean isForwarded(@Nullable String header) {
        return "true".equals(header);
    }
}
