package dev.pulse.aggregates;

import io.micronaut.json.JsonMapper;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.util.Arrays;

/**
 * The format version of every value the aggregates topology writes to its state stores, their changelogs and its
 * repartition topics, so that a build reads what the build before it wrote: a running deployment's stores, the
 * changelogs they are restored from, and records still in a repartition topic when the new build starts.
 *
 * <p>Layout: the byte {@code 0xFF}, the format version (one byte, {@link #VERSION} today), then the value as the
 * wrapped serde writes it. The previous format (version 0) is the wrapped serde's bytes without that prefix, as
 * every build before versions wrote them, and is recognised without ambiguity:
 * <ul>
 * <li>UTF-8 text (the JSON values, the words) never contains the byte {@code 0xFF}, and the fixed binary layouts of
 *     {@link BinarySerdes} start with their own version byte 1: both are of version 0 exactly when their first byte
 *     is not {@code 0xFF} ({@link #of});</li>
 * <li>a {@code Long} or {@code Double} is 8 bytes, which may start with {@code 0xFF}, but a versioned one is 10:
 *     version 0 is exactly the 8-byte value ({@link #ofFixedLength}).</li>
 * </ul>
 * A version newer than this build's fails with a {@link SerializationException} that names the store or topic,
 * never with a value read wrong. The build before versions cannot read versioned values either, so the two must not
 * run side by side: an upgrade across a format change stops every instance of the old build first.
 *
 * <p>The rule for the next format change: raise {@link #VERSION}, keep a reader for the version before (this class
 * reads version 0 and {@link #VERSION}; the next one reads {@link #VERSION} − 1 and the new one), and add a fixture of
 * the old bytes to the serde tests. Keys stay unversioned: they decide the partition and the store's order, so a key
 * format change is a new repartition topic and a new store (a topology change), never a new version in place.
 * Values the topology does not write itself stay as they are: the global {@code product-catalog} store restores the
 * input topic's bytes as they are, and the output topics follow the contract.
 */
final class VersionedSerde {

    /** The format version this build writes. */
    static final byte VERSION = 1;

    private static final byte MAGIC = (byte) 0xFF;
    private static final int PREFIX = 2;

    private VersionedSerde() {
    }

    /** {@code inner} versioned, for values whose unprefixed bytes never start with {@code 0xFF} (see above). */
    static <T> Serde<T> of(String name, Serde<T> inner) {
        return versioned(name, inner, -1);
    }

    /** {@code inner} versioned, for values of a fixed {@code length} unprefixed (8 for a Long or a Double). */
    static <T> Serde<T> ofFixedLength(String name, Serde<T> inner, int length) {
        return versioned(name, inner, length);
    }

    /** JSON of an internal {@code @Serdeable} value ({@link JsonSerde}), versioned. */
    static <T> Serde<T> json(String name, JsonMapper jsonMapper, Class<T> type) {
        return of(name, new JsonSerde<>(jsonMapper, type));
    }

    /** A count or another {@code Long}, versioned. */
    static Serde<Long> longs(String name) {
        return ofFixedLength(name, Serdes.Long(), Long.BYTES);
    }

    /** A {@code Double}, versioned. */
    static Serde<Double> doubles(String name) {
        return ofFixedLength(name, Serdes.Double(), Double.BYTES);
    }

    /** UTF-8 text, versioned. */
    static Serde<String> strings(String name) {
        return of(name, Serdes.String());
    }

    private static <T> Serde<T> versioned(String name, Serde<T> inner, int unprefixedLength) {
        Serializer<T> write = inner.serializer();
        Deserializer<T> read = inner.deserializer();
        Serializer<T> serializer = (topic, value) -> {
            byte[] bytes = write.serialize(topic, value);
            if (bytes == null) {
                return null;
            }
            byte[] out = new byte[PREFIX + bytes.length];
            out[0] = MAGIC;
            out[1] = VERSION;
            System.arraycopy(bytes, 0, out, PREFIX, bytes.length);
            return out;
        };
        Deserializer<T> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            boolean unprefixed = unprefixedLength >= 0
                ? data.length == unprefixedLength
                : data.length == 0 || data[0] != MAGIC;
            if (unprefixed) {
                return read.deserialize(topic, data);
            }
            if (data.length < PREFIX || data[0] != MAGIC) {
                throw new SerializationException("a value of " + name + " (topic " + topic + ") is neither of format "
                    + "version 0 nor versioned: " + data.length + " bytes");
            }
            if (data[1] != VERSION) {
                throw new SerializationException("a value of " + name + " (topic " + topic + ") has format version "
                    + Byte.toUnsignedInt(data[1]) + "; this build reads versions 0 and " + VERSION
                    + ": run the build that wrote it, or reset the application's state");
            }
            return read.deserialize(topic, Arrays.copyOfRange(data, PREFIX, data.length));
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
