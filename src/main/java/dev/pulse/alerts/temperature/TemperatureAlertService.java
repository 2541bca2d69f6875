package dev.pulse.alerts.temperature;

import dev.pulse.alerts.KeyedStateProcessor;
import dev.pulse.alerts.KeyedStateProcessor.Item;
import dev.pulse.alerts.KeyedStateProcessor.Step;
import dev.pulse.alerts.StateFormat;
import dev.pulse.alerts.StateStore;
import dev.pulse.events.DeviceThreshold;
import dev.pulse.events.EventDecoder;
import dev.pulse.events.SensorReading;
import dev.pulse.deadletters.DeadLetterEncoder;
import dev.pulse.kafka.TopicIds;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import dev.pulse.events.WireTime;
import io.micronaut.context.annotation.Value;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The temperature alert state machine, per device: NORMAL → RAISED when a reading goes strictly above the
 * device's threshold; RAISED → NORMAL (CLEARED) when a reading falls strictly below threshold − hysteresis;
 * readings in between change nothing, so a temperature hovering at the threshold does not flap. Both alerts of
 * an excursion carry {@code alert_id = temp-<device>-<event time (ms) of the reading that raised it>}, followed by
 * {@code -2}, {@code -3}… for further excursions of the device that start at that same time.
 *
 * <p>State lives in the {@link StateStore} (see {@link KeyedStateProcessor} for why a redelivered batch gives
 * the same alerts and no more); an open excursion's state is kept until it clears, without expiry, and lists the
 * device among the open alerts ({@link AlertStateService}). Readings are normalised by {@link EventDecoder#decodeSensor}: °C, event time
 * from the reading, else the Kafka record time. Undecodable readings become dead letters.
 */
@Singleton
public class TemperatureAlertService {

    static final String NAMESPACE = "temperature";
    /** The set of devices whose alert is open (RAISED), kept by the state store next to their states. */
    static final String OPEN_LIST = NAMESPACE + ":open";

    private final EventDecoder decoder;
    private final JsonMapper json;
    private final StateFormat format;
    private final DeadLetterEncoder deadLetters;
    private final TemperatureAlertProperties properties;
    private final KeyedStateProcessor<SensorReading> processor;
    private final String alertsTopic;

    @Inject
    public TemperatureAlertService(EventDecoder decoder, JsonMapper json, DeadLetterEncoder deadLetters,
                                   TemperatureAlertProperties properties, StateStore store, TopicNames topics,
                                   TopicIds topicIds, @Value(SensorListener.GROUP_ID) String group) {
        this(decoder, json, deadLetters, properties, store, topics.resolve(Topics.TEMPERATURE_ALERTS), group, topicIds);
    }

    public TemperatureAlertService(EventDecoder decoder, JsonMapper json, DeadLetterEncoder deadLetters,
                                   TemperatureAlertProperties properties, StateStore store, String alertsTopic) {
        this(decoder, json, deadLetters, properties, store, alertsTopic, SensorListener.NAME, TopicIds.NONE);
    }

    /** @param group the consumer group of {@link SensorListener}, part of the progress keys */
    public TemperatureAlertService(EventDecoder decoder, JsonMapper json, DeadLetterEncoder deadLetters,
                                   TemperatureAlertProperties properties, StateStore store, String alertsTopic,
                                   String group, TopicIds topicIds) {
        this.decoder = decoder;
        this.json = json;
        this.format = new StateFormat(json);
        this.deadLetters = deadLetters;
        this.properties = properties;
        this.alertsTopic = alertsTopic;
        // An open excursion is kept however long it lasts, or the device would be raised again with a new id once its
        // state expired, and the first excursion would never clear.
        KeyedStateProcessor.Options options = new KeyedStateProcessor.Options(NAMESPACE, "state", group,
            state -> format.read(state, DeviceAlertState.class).raised(), OPEN_LIST, false);
        this.processor = new KeyedStateProcessor<>(store, json, options, topicIds, device -> List.of(thresholdKey(device)));
    }

    /**
     * The state-store key (in Redis under the deployment's prefix) of a device's run-time threshold override (JSON
     * {@code {"threshold","hysteresis"}}), kept by {@link ThresholdService}.
     */
    public static String thresholdKey(String deviceId) {
        return NAMESPACE + ":threshold:" + deviceId;
    }

    /** The state-store key of a device's {@link DeviceAlertState} (in Redis under the deployment's prefix). */
    public static String stateKey(String deviceId) {
        return NAMESPACE + ":state:" + deviceId;
    }

    /**
     * @param records one poll's readings from {@code real-time-data}
     * @return the alerts and dead letters, in input order per partition
     */
    public List<ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> records) {
        return processor.processBatch(records, record -> decoder.checkRecordTime(
            decoder.decodeSensor(record.key(), record.value()), SensorReading::eventTimeMs, record.timestamp()), SensorReading::deviceId, this::step, alertsTopic, deadLetters);
    }

    private Step step(SensorReading reading, Item<SensorReading> item, String stateJson, Map<String, String> context) {
        String device = reading.deviceId();
        long eventTime = reading.eventTimeMs() != null ? reading.eventTimeMs() : item.recordTimestampMs();
        DeviceThreshold override = format.read(context.get(thresholdKey(device)), DeviceThreshold.class);
        double threshold = override != null && override.threshold() != null ? override.threshold()
            : properties.deviceThresholds().getOrDefault(device, properties.threshold());
        double hysteresis = override != null && override.hysteresis() != null ? override.hysteresis()
            : properties.deviceHysteresis().getOrDefault(device, properties.hysteresis());
        // Only a transition is written: RAISED with the excursion, then NORMAL remembering it (for the next id).
        DeviceAlertState state = format.read(stateJson, DeviceAlertState.class);
        double t = reading.temperature();
        if (state == null || !state.raised()) {
            if (t <= threshold) {
                return Step.unchanged(stateJson);
            }
            // Excursions starting at the same event time (readings in whole seconds) are told apart by a sequence
            // number, which replaying the same readings gives again.
            int seq = state != null && state.since() != null && state.since() == eventTime ? state.seqOrOne() + 1 : 1;
            String alertId = "temp-" + device + "-" + eventTime + (seq == 1 ? "" : "-" + seq);
            return new Step(format.write(new DeviceAlertState(TemperatureAlert.RAISED, alertId, eventTime, seq == 1 ? null : seq, t, threshold)),
                List.of(write(new TemperatureAlert(alertId, device, TemperatureAlert.RAISED, t, threshold,
                    WireTime.epochSeconds(eventTime)))));
        }
        if (t < threshold - hysteresis) {
            return new Step(format.write(new DeviceAlertState(DeviceAlertState.NORMAL, state.alertId(), state.since(), state.seq(), null, null)),
                List.of(write(new TemperatureAlert(state.alertId(), device, TemperatureAlert.CLEARED, t,
                    threshold, WireTime.epochSeconds(eventTime)))));
        }
        return Step.unchanged(stateJson);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
