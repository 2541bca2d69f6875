package dev.pulse.aggregates;

import dev.pulse.events.Click;
import dev.pulse.events.Purchase;
import dev.pulse.events.SensorReading;
import dev.pulse.events.UserEvent;
import dev.pulse.events.UserProfile;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VersionedSerde} over every value serde of the topology's stores, changelogs and repartition topics: each
 * reads the bytes the build before versions wrote (fixtures under {@code state-v0/}, recorded with that build's
 * serdes) and round-trips the versioned format.
 */
class VersionedSerdeTest {

    private static final JsonMapper JSON = JsonMapper.createDefault();

    static Stream<Arguments> serdes() {
        return Stream.of(
            Arguments.of("long.bin", VersionedSerde.longs("counts"), 42L),
            Arguments.of("double.bin", VersionedSerde.doubles("records-by-category"), 21.5),
            Arguments.of("string.bin", VersionedSerde.strings("words-by-word"), "apple"),
            Arguments.of("stats.bin", VersionedSerde.of("stats", BinarySerdes.stats()), new Stats(2, 30.0, 10.0, 20.0)),
            Arguments.of("sensor-reading.bin", VersionedSerde.of("readings", BinarySerdes.sensorReadings()),
                new SensorReading("sensor_1", 52.5, 1_700_000_000_000L)),
            Arguments.of("user-event.bin", VersionedSerde.json("user-events", JSON, UserEvent.class),
                new UserEvent("12345", "page_view", "/products", 1_736_935_200_000L)),
            Arguments.of("page-views.bin", VersionedSerde.json("page-views", JSON, PageViews.class),
                new PageViews("/products", 3)),
            Arguments.of("top-pages.bin", VersionedSerde.json("top-pages", JSON, TopPages.class),
                new TopPages(Map.of("/products", 3L))),
            Arguments.of("click-event.bin", VersionedSerde.json("clicks", JSON, ClickEvent.class),
                new ClickEvent(new Click("alice", "/home", "product-1", 1_609_459_200_000L),
                    "{\"user\": \"alice\", \"page\": \"/home\", \"product\": \"product-1\", \"timestamp\": 1609459200}",
                    1_609_459_200_000L)),
            Arguments.of("purchase-event.bin", VersionedSerde.json("purchases", JSON, PurchaseEvent.class),
                new PurchaseEvent(new Purchase("alice", "product-1", 999.0, 1_609_459_260_000L),
                    "{\"user\": \"alice\", \"product\": \"product-1\", \"amount\": 999.0, \"timestamp\": 1609459260}",
                    1_609_459_260_000L)),
            Arguments.of("user-profile.bin", VersionedSerde.json("profiles", JSON, UserProfile.class),
                new UserProfile("Alice", 25.0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serdes")
    <T> void readsTheUnversionedBytesOfThePreviousBuild(String fixture, Serde<T> serde, T value) throws IOException {
        assertEquals(value, serde.deserializer().deserialize("t", previous(fixture)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serdes")
    <T> void writesTheVersionBeforeThePreviousLayoutAndReadsItBack(String fixture, Serde<T> serde, T value)
        throws IOException {
        byte[] written = serde.serializer().serialize("t", value);

        assertEquals((byte) 0xFF, written[0]);
        assertEquals(VersionedSerde.VERSION, written[1]);
        assertArrayEquals(previous(fixture), Arrays.copyOfRange(written, 2, written.length),
            "the layout after the prefix is the previous format's");
        assertEquals(value, serde.deserializer().deserialize("t", written));
        assertNull(serde.serializer().serialize("t", null), "a tombstone stays a tombstone");
        assertNull(serde.deserializer().deserialize("t", null));
    }

    @Test
    void tellsAnEightByteCountStartingWithTheMarkerFromAVersionedOne() {
        Serde<Long> counts = VersionedSerde.longs("counts");
        byte[] minusOne = ByteBuffer.allocate(8).putLong(-1L).array();

        assertEquals(-1L, counts.deserializer().deserialize("t", minusOne));
        assertEquals(-1L, counts.deserializer().deserialize("t", counts.serializer().serialize("t", -1L)));
    }

    @Test
    void refusesAFutureVersionNamingTheStore() {
        Serde<Long> counts = VersionedSerde.longs("word-counts-store");
        byte[] future = counts.serializer().serialize("changelog", 3L);
        future[1] = (byte) (VersionedSerde.VERSION + 1);

        SerializationException e = assertThrows(SerializationException.class,
            () -> counts.deserializer().deserialize("changelog", future));
        assertTrue(e.getMessage().contains("word-counts-store") && e.getMessage().contains("format version 2"),
            e.getMessage());
    }

    private static byte[] previous(String fixture) throws IOException {
        try (InputStream in = VersionedSerdeTest.class.getResourceAsStream("state-v0/" + fixture)) {
            return in.readAllBytes();
        }
    }
}
