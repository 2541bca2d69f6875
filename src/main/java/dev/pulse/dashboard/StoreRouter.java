package dev.pulse.dashboard;

import dev.pulse.cluster.ClusterProperties;
import dev.pulse.security.PeerSignature;
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
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Finds which instance holds a key of a Kafka Streams store (interactive-query metadata, from each instance's
 * {@code application.server}) and asks it over HTTP when it is not this one. The question is signed
 * ({@link PeerSignature}) and marked {@link #FORWARDED}, and a correctly signed forwarded question is answered from
 * local state only, so a question never travels twice.
 *
 * <p>It fails loudly rather than answer in part: while this instance's Streams application is not {@code RUNNING}
 * (partitions moving, state restoring) it routes nothing ({@link StateNotReadyException}), and a peer that cannot be
 * reached, does not answer within {@code pulse.cluster.peer-timeout} or answers anything but 200 makes the whole read a
 * {@link PeerUnavailableException}; both are a 503 with {@code Retry-After}. A lone instance without
 * {@code application.server} (a random HTTP port: tests) routes nothing and answers from its own state.
 */
@Singleton
public class StoreRouter {

    /** Marks a request one instance sends another. */
    public static final String FORWARDED = PeerSignature.FORWARDED;

    private static final int BODY_IN_REASON = 300;

    private final KafkaStreams streams;
    private final HostInfo self;
    private final PeerSignature signature;
    private final Duration timeout;
    private final HttpClient http;

    public StoreRouter(KafkaStreams streams, @Named("default") ConfiguredStreamBuilder builder, PeerSignature signature,
                       ClusterProperties cluster) {
        this.streams = streams;
        String server = builder.getConfiguration().getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
        this.self = server == null || server.isBlank() ? null : HostInfo.buildFromEndpoint(server);
        this.signature = signature;
        this.timeout = cluster.peerTimeout();
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /**
     * The instance holding {@code key} of {@code store}, when that is another one.
     *
     * @throws StateNotReadyException while Streams is not running or no instance holds the key's partition
     */
    public Optional<HostInfo> remoteOwner(String store, String key) {
        if (self == null) {
            return Optional.empty();
        }
        requireRunning(store);
        KeyQueryMetadata metadata = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        HostInfo owner = metadata.activeHost();
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE.activeHost())) {
            throw new StateNotReadyException(store);
        }
        return owner.equals(self) ? Optional.empty() : Optional.of(owner);
    }

    /**
     * The partition of {@code store} that holds {@code key}, by this instance's metadata, for reading that partition
     * only; empty for a lone instance without {@code application.server}, which holds every partition.
     *
     * @throws StateNotReadyException while the metadata is not there yet
     */
    public OptionalInt partition(String store, String key) {
        if (self == null) {
            return OptionalInt.empty();
        }
        KeyQueryMetadata metadata = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        if (metadata == null || metadata.partition() < 0) {
            throw new StateNotReadyException(store);
        }
        return OptionalInt.of(metadata.partition());
    }

    /**
     * The other instances that hold a part of {@code store} (its active tasks), all of which a read across keys must
     * ask.
     *
     * @throws StateNotReadyException while Streams is not running, so that no part is missing
     */
    public List<HostInfo> otherHolders(String store) {
        if (self == null) {
            return List.of();
        }
        requireRunning(store);
        return streams.streamsMetadataForStore(store).stream()
            .filter(instance -> instance.stateStoreNames().contains(store))
            .map(StreamsMetadata::hostInfo)
            .filter(host -> !host.equals(self))
            .distinct()
            .toList();
    }

    /**
     * Whether this instance may answer a forwarded question from its own state: only while its Streams application
     * runs, since while a task restores its store leaves the task's keys out rather than failing.
     */
    public boolean answersForwarded() {
        return self == null || streams.state() == KafkaStreams.State.RUNNING;
    }

    /**
     * GETs {@code pathAndQuery} from {@code host}, signed and marked as forwarded.
     *
     * @return the answer's body
     * @throws PeerUnavailableException when {@code host} cannot be reached, is too slow or answers anything but 200
     */
    public String get(HostInfo host, String pathAndQuery) {
        String where = endpoint(host);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + where + pathAndQuery))
            .header("Accept", "application/json")
            .timeout(timeout)
            .GET();
        signature.headers("GET", pathAndQuery).forEach(request::header);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new PeerUnavailableException("the instance at " + where + ", which holds data this read needs, answered "
                    + response.statusCode() + ": " + brief(response.body()), null);
            }
            return response.body();
        } catch (HttpTimeoutException e) {
            throw new PeerUnavailableException("the instance at " + where + ", which holds data this read needs, did not "
                + "answer within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            throw new PeerUnavailableException("the instance at " + where + ", which holds data this read needs, cannot be "
                + "reached (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeerUnavailableException("interrupted while asking the instance at " + where, e);
        }
    }

    /** Whether a request's {@link #FORWARDED} header marks it as forwarded (after {@link ForwardedReadFilter}). */
    static boolean isForwarded(@Nullable String header) {
        return "true".equals(header);
    }

    private void requireRunning(String store) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            throw new StateNotReadyException(store);
        }
    }

    private static String endpoint(HostInfo host) {
        return (host.host().indexOf(':') >= 0 ? "[" + host.host() + "]" : host.host()) + ":" + host.port();
    }

    private static String brief(@Nullable String body) {
        if (body == null || body.isBlank()) {
            return "(no body)";
        }
        String line = body.strip().replaceAll("\\s+", " ");
        return line.length() <= BODY_IN_REASON ? line : line.substring(0, BODY_IN_REASON) + "…";
    }
}
