package dev.pulse.alerts;

import dev.pulse.alerts.StateFormat.UnknownFormatException;
import dev.pulse.alerts.fraud.CardState;
import dev.pulse.alerts.temperature.DeviceAlertState;
import dev.pulse.events.DeviceThreshold;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static dev.pulse.testkit.Records.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StateFormat}: the values of the previous format (recorded fixtures in {@code state-v0/}, written by the build
 * before versions) are read, this build's are marked with its version, and a later version is refused.
 */
class StateFormatTest {

    private final StateFormat format = new StateFormat(JSON);

    @Test
    void readsTheStatesThePreviousBuildWrote() throws IOException {
        assertEquals(new DeviceAlertState("RAISED", "temp-sensor_4-1700000004000-2", 1_700_000_004_000L, 2, 60.0, 50.0),
            format.read(fixture("temperature.state.sensor_4.json"), DeviceAlertState.class));
        assertEquals(new DeviceAlertState("NORMAL", "temp-sensor_2-1700000001000", 1_700_000_001_000L),
            format.read(fixture("temperature.state.sensor_2.json"), DeviceAlertState.class));
        assertEquals(new DeviceThreshold(40.0, 2.5),
            format.read(fixture("temperature.threshold.sensor_3.json"), DeviceThreshold.class));
        CardState.Seen last = new CardState.Seen("t-2", 1_700_000_060_000L, "FR", 48.85, 2.35);
        assertEquals(new CardState(2, 20120.5, List.of(last), last),
            format.read(fixture("fraud.state.card-1.json"), CardState.class));
    }

    @Test
    void writesTheVersionAsTheFirstMemberAndReadsItsOwnValuesBack() {
        DeviceAlertState state = new DeviceAlertState("RAISED", "temp-s-1", 1000L, null, 61.5, 50.0);
        String written = format.write(state);

        assertEquals("{\"format\":1,\"state\":\"RAISED\",\"alert_id\":\"temp-s-1\",\"since\":1000,\"temperature\":61.5,"
            + "\"threshold\":50.0}", written);
        assertEquals(state, format.read(written, DeviceAlertState.class));
        assertEquals(new DeviceThreshold(null, null), format.read(format.write(new DeviceThreshold(null, null)),
            DeviceThreshold.class), "an object without members: " + format.write(new DeviceThreshold(null, null)));
        assertNull(format.read(null, DeviceAlertState.class));
    }

    @Test
    void staysJsonThatAReaderWithoutVersionsReadsAsBefore() throws IOException {
        String written = format.write(new DeviceThreshold(40.0, 2.5));
        assertEquals(Map.of("format", 1, "threshold", 40.0, "hysteresis", 2.5), JSON.readValue(written, Map.class));
        assertEquals(new DeviceThreshold(40.0, 2.5), JSON.readValue(written, DeviceThreshold.class),
            "the build before versions ignores the member it does not know");
    }

    @Test
    void refusesAVersionItDoesNotKnowRatherThanMisreadIt() {
        UnknownFormatException newer = assertThrows(UnknownFormatException.class, () -> format.read(
            "{\"format\":2,\"state\":\"RAISED\",\"alert_id\":\"temp-s-1\",\"since\":1000}", DeviceAlertState.class));
        assertTrue(newer.getMessage().contains("DeviceAlertState has format version 2; this build reads versions 0 and 1"),
            newer.getMessage());
        assertThrows(UnknownFormatException.class, () -> format.read("{\"format\":\"one\",\"state\":\"RAISED\"}",
            DeviceAlertState.class));
        assertThrows(UnknownFormatException.class, () -> format.read("{\"format\":", DeviceAlertState.class));
    }

    /** A value the build before versions wrote to Redis, as recorded (UTF-8, no line end). */
    static String fixture(String name) throws IOException {
        try (InputStream in = StateFormatTest.class.getResourceAsStream("state-v0/" + name)) {
            if (in == null) {
                throw new IOException("no fixture state-v0/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
