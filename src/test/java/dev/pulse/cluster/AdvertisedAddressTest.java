package dev.pulse.cluster;

import com.sun.net.httpserver.HttpServer;
import dev.pulse.cluster.AdvertisedAddress.Interface;
import dev.pulse.cluster.AdvertisedAddress.Source;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order in which an instance finds the address it advertises, with a stand-in ECS task metadata endpoint serving
 * a recorded v4 container document and made-up network interfaces.
 */
class AdvertisedAddressTest {

    private static final JsonMapper JSON = ObjectMapper.getDefault();
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final String TASK_PATH = "/v4/8f3b2c1d9e4a4b5c8d7e6f5a4b3c2d1e-2031276934";

    /**
     * The container's interfaces: loopback, ECS's link-local one and one more, whose address differs from the
     * document's so the tests see which of the two was taken.
     */
    private static final List<Interface> TASK_MACHINE = List.of(
        nic("lo", 1, true, true, "127.0.0.1", "::1"),
        nic("eth0", 2, true, false, "169.254.172.2"),
        nic("eth1", 3, true, false, "fe80::43c:7eff:fe4a:912b", "172.17.0.5"));

    private final List<String> metadataRequests = new CopyOnWriteArrayList<>();
    private HttpServer metadata;

    @AfterEach
    void stopMetadata() {
        if (metadata != null) {
            metadata.stop(0);
        }
    }

    @Test
    void advertisesTheConfiguredHostBeforeAnythingElse() {
        String uri = serveMetadata(200, recordedDocument());
        AdvertisedAddress address = resolve(" pulse-1.internal ", "127.0.0.2", uri, TASK_MACHINE);
        assertEquals("pulse-1.internal", address.host());
        assertEquals(Source.CONFIGURED, address.source());
        assertEquals(List.of(), metadataRequests);
    }

    @Test
    void advertisesTheAddressTheHttpServerBindsToWhenItNamesOne() {
        String uri = serveMetadata(200, recordedDocument());
        AdvertisedAddress address = resolve(null, "127.0.0.2", uri, TASK_MACHINE);
        assertEquals("127.0.0.2", address.host());
        assertEquals(Source.SERVER_HOST, address.source());
        assertTrue(address.why().contains("micronaut.server.host=127.0.0.2"), address.why());
        assertEquals(List.of(), metadataRequests, "the metadata endpoint is not asked");
    }

    @Test
    void asksTheEcsTaskMetadataEndpointWhenTheServerBindsToEveryAddress() {
        String uri = serveMetadata(200, recordedDocument());
        for (String wildcard : new String[] {null, "", "0.0.0.0", "::"}) {
            metadataRequests.clear();
            AdvertisedAddress address = resolve("", wildcard, uri, TASK_MACHINE);
            assertEquals("10.0.1.23", address.host(), "Networks[0].IPv4Addresses[0] of the recorded document");
            assertEquals(Source.ECS_TASK_METADATA, address.source());
            assertEquals(List.of("GET " + TASK_PATH), metadataRequests, "the container document, once");
        }
    }

    @Test
    void fallsBackToTheMachineAddressWhenTheMetadataEndpointFailsOrNamesNoAddress() throws IOException {
        String failing = serveMetadata(500, "{\"error\": \"agent restarting\"}");
        AdvertisedAddress afterError = resolve(null, null, failing, TASK_MACHINE);
        assertEquals("172.17.0.5", afterError.host());
        assertEquals(Source.NETWORK_INTERFACE, afterError.source());
        assertTrue(afterError.why().contains("did not answer (answered 500)"), afterError.why());
        assertEquals(3, metadataRequests.size(), "a few quick tries");

        stopMetadata();
        metadataRequests.clear();
        String bridge = serveMetadata(200, "{\"Name\": \"pulse\", \"Networks\": [{\"NetworkMode\": \"bridge\", "
            + "\"IPv4Addresses\": []}]}");
        AdvertisedAddress noAddress = resolve(null, null, bridge, TASK_MACHINE);
        assertEquals(Source.NETWORK_INTERFACE, noAddress.source());
        assertTrue(noAddress.why().contains("names no IPv4 address"), noAddress.why());

        AdvertisedAddress unreachable = resolve(null, null, "http://127.0.0.1:" + closedPort() + TASK_PATH, TASK_MACHINE);
        assertEquals("172.17.0.5", unreachable.host());
        assertEquals(Source.NETWORK_INTERFACE, unreachable.source());
    }

    @Test
    void picksTheFirstSiteLocalOrGlobalIpv4AddressByInterfaceIndexWhateverTheListingOrder() {
        List<Interface> machine = new ArrayList<>(List.of(
            nic("eth2", 4, true, false, "192.0.2.2"),
            nic("docker-down", 0, false, false, "172.17.0.1"),
            nic("eth1", 3, true, false, "172.31.5.9", "fe80::1", "10.9.9.9"),
            nic("lo", 1, true, true, "127.0.0.1"),
            nic("ecs-eth0", 2, true, false, "169.254.172.2", "2001:db8::5")));
        AdvertisedAddress address = resolve(null, null, null, machine);
        assertEquals("10.9.9.9", address.host());
        assertEquals(Source.NETWORK_INTERFACE, address.source());
        assertTrue(address.why().contains("ECS_CONTAINER_METADATA_URI_V4 is unset"), address.why());
        java.util.Collections.reverse(machine);
        assertEquals("10.9.9.9", resolve(null, null, null, machine).host());
        assertEquals("192.0.2.2", resolve(null, null, null, List.of(nic("eth2", 4, true, false, "192.0.2.2"),
            nic("eth0", 2, true, false, "169.254.1.1"))).host(), "a global address counts as well as a site-local one");
    }

    @Test
    void advertisesLocalhostOnlyOnAMachineWithoutAnyOtherAddress() {
        AdvertisedAddress address = resolve(null, null, null, List.of(nic("lo", 1, true, true, "127.0.0.1", "::1"),
            nic("eth0", 2, true, false, "169.254.10.10", "fe80::2")));
        assertEquals("localhost", address.host());
        assertEquals(Source.LOOPBACK, address.source());
    }

    @Test
    void writesAnIpv6EndpointInBrackets() {
        assertEquals("[fd00:0:0:0:0:0:0:2]:8080", resolve(null, "fd00::2", null, List.of()).endpoint(8080));
        assertEquals("10.0.1.23:8080", resolve("10.0.1.23", null, null, List.of()).endpoint(8080));
    }

    private static AdvertisedAddress resolve(String configured, String serverHost, String metadataUri,
                                             List<Interface> interfaces) {
        Map<String, String> env = metadataUri == null ? Map.of() : Map.of(AdvertisedAddress.ECS_METADATA_URI, metadataUri);
        return new AdvertisedAddress(configured, serverHost, env, () -> interfaces, JSON, TIMEOUT);
    }

    /** The stand-in ECS agent, on loopback: answers {@code status} and {@code body} at {@value #TASK_PATH}. */
    private String serveMetadata(int status, byte[] body) {
        try {
            metadata = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        metadata.createContext(TASK_PATH, exchange -> {
            metadataRequests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        metadata.start();
        return "http://127.0.0.1:" + metadata.getAddress().getPort() + TASK_PATH;
    }

    private String serveMetadata(int status, String body) {
        return serveMetadata(status, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static byte[] recordedDocument() {
        try (InputStream in = AdvertisedAddressTest.class.getResourceAsStream("/ecs/task-metadata-v4-container.json")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Interface nic(String name, int index, boolean up, boolean loopback, String... addresses) {
        return new Interface(name, index, up, loopback, Arrays.stream(addresses).map(a -> {
            try {
                return InetAddress.getByName(a); // literals: no lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(a, e);
            }
        }).toList());
    }
}
