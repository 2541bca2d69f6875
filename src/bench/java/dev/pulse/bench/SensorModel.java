package dev.pulse.bench;

import java.nio.charset.StandardCharsets;

/**
 * Devices whose temperatures run through a cycle that crosses the alert threshold once per ten readings, and the
 * alerts Pulse must raise for them, worked out here independently with the contract's rule: RAISED when a reading
 * is strictly above the threshold, CLEARED when one is strictly below threshold − hysteresis; both carry the alert id
 * {@code temp-<device>-<event time (ms) of the raising reading>}.
 */
final class SensorModel {

    /** With the defaults (50, 5): RAISED at 52, still raised at 55, 51 and 47, CLEARED at 44. */
    static final double[] CYCLE = {40, 42, 45, 48, 52, 55, 51, 47, 44, 41};

    private final String prefix;
    private final String[] ids;
    private final int[] step;
    private final long[] raisedAt;
    private final double threshold;
    private final double hysteresis;

    SensorModel(String prefix, int devices, double threshold, double hysteresis) {
        this.prefix = prefix;
        this.ids = new String[devices];
        this.step = new int[devices];
        this.raisedAt = new long[devices];
        this.threshold = threshold;
        this.hysteresis = hysteresis;
        for (int d = 0; d < devices; d++) {
            ids[d] = prefix + d;
            step[d] = d % CYCLE.length; // devices out of phase, so alerts spread over time
            raisedAt[d] = -1;
        }
    }

    String prefix() {
        return prefix;
    }

    int devices() {
        return ids.length;
    }

    String id(int device) {
        return ids[device];
    }

    /** The device's next reading at this event time, with the alert it must raise or clear (or none). */
    Reading next(int device, long eventMs) {
        double t = CYCLE[step[device]];
        step[device] = (step[device] + 1) % CYCLE.length;
        String alert = null;
        if (raisedAt[device] < 0) {
            if (t > threshold) {
                raisedAt[device] = eventMs;
                alert = "temp-" + ids[device] + "-" + eventMs + "/RAISED";
            }
        } else if (t < threshold - hysteresis) {
            alert = "temp-" + ids[device] + "-" + raisedAt[device] + "/CLEARED";
            raisedAt[device] = -1;
        }
        return new Reading(ids[device], t, eventMs, alert);
    }

    record Reading(String deviceId, double temperature, long eventMs, String alertKey) {

        byte[] key() {
            return deviceId.getBytes(StandardCharsets.UTF_8);
        }

        byte[] value() {
            return ("{\"device_id\": \"" + deviceId + "\", \"temperature\": " + temperature + ", \"timestamp\": "
                + seconds(eventMs) + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Epoch ms as the contract's epoch seconds with a fraction: {@code 1700000000.123}. */
    static String seconds(long epochMs) {
        long ms = epochMs % 1000;
        return epochMs / 1000 + "." + (ms < 10 ? "00" : ms < 100 ? "0" : "") + ms;
    }
}
