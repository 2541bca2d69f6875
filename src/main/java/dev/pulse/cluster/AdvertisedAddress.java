package dev.pulse.cluster;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.http.server.HttpServerConfiguration;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The address other instances reach this one at: the host of Kafka Streams' {@code application.server}, through which
 * every instance learns which instance holds which key. Each instance of a fleet must advertise its own address, and
 * on ECS no setting can differ per task, so it is resolved once at start-up, in this order:
 * <ol>
 * <li>{@code PULSE_ADVERTISED_HOST} ({@code pulse.cluster.advertised-host}), when set;</li>
 * <li>the address the HTTP server binds to, when {@code micronaut.server.host} ({@code MICRONAUT_SERVER_HOST}) names
 *     one rather than a wildcard;</li>
 * <li>on ECS, the task's private IPv4 address from the task metadata endpoint v4 ({@code ECS_CONTAINER_METADATA_URI_V4}:
 *     the container document's {@code Networks[0].IPv4Addresses[0]}, the task's ENI in {@code awsvpc} mode);</li>
 * <li>the machine's first IPv4 address that is up, not loopback and not link-local, by interface index;</li>
 * <li>{@code localhost}, with a warning, on a machine without any other address (a lone instance works; a fleet
 *     cannot).</li>
 * </ol>
 * The choice and why are logged at start-up. The local stack advertises {@code localhost} by setting it.
 */
@Singleton
public final class AdvertisedAddress {

    /** Where the address came from. */
    public enum Source { CONFIGURED, SERVER_HOST, ECS_TASK_METADATA, NETWORK_INTERFACE, LOOPBACK }

    /** One network interface as {@link AdvertisedAddress} sees it. */
    public record Interface(String name, int index, boolean up, boolean loopback, List<InetAddress> addresses) {
    }

    static final String ECS_METADATA_URI = "ECS_CONTAINER_METADATA_URI_V4";
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(2);
    private static final int METADATA_ATTEMPTS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(AdvertisedAddress.class);

    private final String host;
    private final Source source;
    private final String why;

    @Inject
    public AdvertisedAddress(ClusterProperties cluster, HttpServerConfiguration server, JsonMapper json) {
        this(cluster.advertisedHost(), server.getHost().orElse(null), System.getenv(), AdvertisedAddress::machineInterfaces,
            json, METADATA_TIMEOUT);
    }

    /**
     * @param configured    {@code pulse.cluster.advertised-host}
     * @param serverHost    {@code micronaut.server.host}
     * @param env           the process environment (for {@value #ECS_METADATA_URI})
     * @param interfaces    the machine's network interfaces
     */
    AdvertisedAddress(@Nullable String configured, @Nullable String serverHost, Map<String, String> env,
                      Supplier<List<Interface>> interfaces, JsonMapper json, Duration metadataTimeout) {
        List<String> passed = new ArrayList<>();
        String chosen = null;
        Source from = null;
        String reason = null;
        if (!isBlank(configured)) {
            chosen = configured.strip();
            from = Source.CONFIGURED;
            reason = "PULSE_ADVERTISED_HOST (pulse.cluster.advertised-host) is set";
        }
        if (chosen == null) {
            passed.add("PULSE_ADVERTISED_HOST is unset");
            Optional<String> bound = boundAddress(serverHost, passed);
            if (bound.isPresent()) {
                chosen = bound.get();
                from = Source.SERVER_HOST;
                reason = "the HTTP server binds to it (micronaut.server.host=" + serverHost.strip() + ")";
            }
        }
        if (chosen == null) {
            String uri = env.get(ECS_METADATA_URI);
            if (isBlank(uri)) {
                passed.add(ECS_METADATA_URI + " is unset (not on ECS)");
            } else {
                Optional<String> task = taskAddress(uri.strip(), json, metadataTimeout, passed);
                if (task.isPresent()) {
                    chosen = task.get();
                    from = Source.ECS_TASK_METADATA;
                    reason = "the ECS task metadata endpoint (" + uri.strip() + ") gives it as the task's IPv4 address";
                }
            }
        }
        if (chosen == null) {
            Optional<String> local = firstMachineAddress(interfaces.get());
            if (local.isPresent()) {
                chosen = local.get();
                from = Source.NETWORK_INTERFACE;
                reason = "it is the machine's first IPv4 address that is neither loopback nor link-local";
            } else {
                passed.add("the machine has no IPv4 address besides loopback and link-local ones");
            }
        }
        if (chosen == null) {
            chosen = "localhost";
            from = Source.LOOPBACK;
            reason = "nothing else is known; other instances cannot reach this one, so only a lone instance works";
        }
        this.host = chosen;
        this.source = from;
        this.why = reason + (passed.isEmpty() ? "" : "; " + String.join(", ", passed));
        if (from == Source.LOOPBACK) {
            LOG.warn("Advertising {} to other instances: {}", host, why);
        } else {
            LOG.info("Advertising {} to other instances: {}", host, why);
        }
    }

    /** The host (name or IP literal, without brackets) other instances reach this one at. */
    public String host() {
        return host;
    }

    public Source source() {
        return source;
    }

    /** Why this address, in words (as logged at start-up). */
    public String why() {
        return why;
    }

    /** {@code host:port}, as Kafka Streams' {@code application.server} takes it (an IPv6 literal in brackets). */
    public String endpoint(int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static Optional<String> boundAddress(@Nullable String serverHost, List<String> passed) {
        if (isBlank(serverHost)) {
            passed.add("micronaut.server.host is unset");
            return Optional.empty();
        }
        try {
            InetAddress address = InetAddress.getByName(serverHost.strip());
            if (address.isAnyLocalAddress()) {
                passed.add("micronaut.server.host=" + serverHost.strip() + " is a wildcard");
                return Optional.empty();
            }
            return Optional.of(address.getHostAddress());
        } catch (UnknownHostException e) {
            passed.add("micronaut.server.host=" + serverHost.strip() + " does not resolve");
            return Optional.empty();
        }
    }

    /** The container metadata document's {@code Networks[0].IPv4Addresses[0]}. */
    private static Optional<String> taskAddress(String uri, JsonMapper json, Duration timeout, List<String> passed) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(uri)).timeout(timeout).GET().build();
        } catch (IllegalArgumentException e) {
            passed.add(ECS_METADATA_URI + "=" + uri + " is not a URI");
            return Optional.empty();
        }
        String problem = null;
        // The endpoint is the ECS agent on the task's own network; a failure is rare and brief, so a few quick tries.
        for (int attempt = 1; attempt <= METADATA_ATTEMPTS; attempt++) {
            try {
                HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != 200) {
                    problem = "answered " + response.statusCode();
                    continue;
                }
                Optional<String> address = firstNetworkAddress(json.readValue(response.body(), Argument.of(JsonNode.class)));
                if (address.isEmpty()) {
                    passed.add("the ECS task metadata (" + uri + ") names no IPv4 address under Networks");
                }
                return address;
            } catch (IOException | UncheckedIOException e) {
                problem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problem = "interrupted";
                break;
            }
        }
        passed.add("the ECS task metadata endpoint " + uri + " did not answer (" + problem + ")");
        return Optional.empty();
    }

    static Optional<String> firstNetworkAddress(@Nullable JsonNode document) {
        if (document == null || !document.isObject()) {
            return Optional.empty();
        }
        JsonNode networks = document.get("Networks");
        if (networks == null || !networks.isArray() || networks.size() == 0) {
            return Optional.empty();
        }
        JsonNode addresses = networks.get(0).get("IPv4Addresses");
        if (addresses == null || !addresses.isArray() || addresses.size() == 0 || !addresses.get(0).isString()
            || addresses.get(0).getStringValue().isBlank()) {
            return Optional.empty();
        }
        return Optional.of(addresses.get(0).getStringValue().strip());
    }

    /**
     * The first IPv4 address, by interface index and then by address, of an interface that is up and not loopback,
     * leaving out loopback, link-local ({@code 169.254/16}, which includes ECS's own endpoints), wildcard and
     * multicast addresses: the first site-local or global one.
     */
    static Optional<String> firstMachineAddress(List<Interface> interfaces) {
        return interfaces.stream()
            .filter(i -> i.up() && !i.loopback())
            .sorted(Comparator.comparingInt(Interface::index).thenComparing(Interface::name))
            .flatMap(i -> i.addresses().stream()
                .filter(a -> a instanceof Inet4Address)
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()
                    && !a.isMulticastAddress())
                .sorted(Comparator.comparing(InetAddress::getAddress, Arrays::compareUnsigned)))
            .map(InetAddress::getHostAddress)
            .findFirst();
    }

    static List<Interface> machineInterfaces() {
        try {
            List<Interface> all = new ArrayList<>();
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                try {
                    all.add(new Interface(nic.getName(), nic.getIndex(), nic.isUp(), nic.isLoopback(),
                        Collections.list(nic.getInetAddresses())));
                } catch (SocketException gone) {
                    // the interface went away while being listed
                }
            }
            return all;
        } catch (SocketException e) {
            LOG.warn("Could not list the network interfaces: {}", e.getMessage());
            return List.of();
        }
    }

    private static boolean isBlank(@Nullable String value) {
        return value == null || value.isBlank();
    }
}
