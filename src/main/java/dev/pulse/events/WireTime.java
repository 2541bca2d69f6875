package dev.pulse.events;

import java.math.BigDecimal;

/** Times as Pulse writes them in JSON: epoch seconds, a whole number when there is no fraction. */
public final class WireTime {

    private WireTime() {
    }

    /** Epoch milliseconds as epoch seconds, e.g. {@code 1700000000} or {@code 1700000000.25}, never in E-notation. */
    public static Number epochSeconds(long epochMillis) {
        if (epochMillis % 1000 == 0) {
            return epochMillis / 1000;
        }
        return BigDecimal.valueOf(epochMillis, 3).stripTrailingZeros();
    }
}
