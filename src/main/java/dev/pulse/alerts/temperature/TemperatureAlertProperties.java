package dev.pulse.alerts.temperature;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.core.convert.format.MapFormat;
import io.micronaut.core.naming.conventions.StringConvention;

import java.util.Map;

/**
 * Temperature alert settings ({@code pulse.alerts.temperature.*}). A device's threshold and hysteresis come from,
 * in this order: its record on {@code device-thresholds} (set at run time), {@code device-thresholds} /
 * {@code device-hysteresis} here, the global values.
 *
 * @param threshold        RAISED when a reading goes strictly above this (°C)
 * @param hysteresis       CLEARED when a reading falls strictly below threshold − hysteresis (°C)
 * @param deviceThresholds per-device thresholds, by device id
 * @param deviceHysteresis per-device hysteresis, by device id
 */
@ConfigurationProperties("pulse.alerts.temperature")
public record TemperatureAlertProperties(
    @Bindable(defaultValue = "50") double threshold,
    @Bindable(defaultValue = "5") double hysteresis,
    @Nullable @MapFormat(keyFormat = StringConvention.RAW) Map<String, Double> deviceThresholds,
    @Nullable @MapFormat(keyFormat = StringConvention.RAW) Map<String, Double> deviceHysteresis) {

    public TemperatureAlertProperties {
        deviceThresholds = deviceThresholds == null ? Map.of() : Map.copyOf(deviceThresholds);
        deviceHysteresis = deviceHysteresis == null ? Map.of() : Map.copyOf(deviceHysteresis);
    }

    public static TemperatureAlertProperties defaults() {
        return new TemperatureAlertProperties(50, 5, Map.of(), Map.of());
    }
}
