package dev.pulse.alerts.fraud;

import dev.pulse.alerts.KeyedStateProcessor;
import dev.pulse.alerts.KeyedStateProcessor.Item;
import dev.pulse.alerts.KeyedStateProcessor.Step;
import dev.pulse.alerts.StateFormat;
import dev.pulse.alerts.StateStore;
import dev.pulse.alerts.fraud.CardState.Seen;
import dev.pulse.events.EventDecoder;
import dev.pulse.events.Payment;
import dev.pulse.deadletters.DeadLetterEncoder;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.TopicIds;
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
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fraud rules, per card, each transaction checked against the card's history before it joins it:
 * <ul>
 *   <li>{@code LARGE_AMOUNT}: amount above the limit;</li>
 *   <li>{@code VELOCITY}: more than N transactions of the card within the window ending at this one (event time);</li>
 *   <li>{@code AMOUNT_SPIKE}: amount above k × the card's running average, once it has enough transactions;</li>
 *   <li>{@code IMPOSSIBLE_TRAVEL}: this and the card's previous transaction within the window, and in two
 *       different countries, or (when both carry lat/lon) farther apart than the maximum speed allows.</li>
 * </ul>
 * One alert per transaction and rule that fires, {@code alert_id = fraud-<rule>-<transaction id>}, with a reason
 * in words and the evidence. A transaction id the card saw within the velocity window is a duplicate and checked
 * once. State lives in the {@link StateStore}; see {@link KeyedStateProcessor} for redelivery.
 */
@Singleton
public class FraudService {

    static final String NAMESPACE = "fraud";
    private static final int MAX_RECENT = 1000;
    private static final double EARTH_RADIUS_KM = 6371.0088;

    private final EventDecoder decoder;
    private final JsonMapper json;
    private final StateFormat format;
    private final DeadLetterEncoder deadLetters;
    private final FraudProperties properties;
    private final KeyedStateProcessor<Payment> processor;
    private final String alertsTopic;

    @Inject
    public FraudService(EventDecoder decoder, JsonMapper json, DeadLetterEncoder deadLetters, FraudProperties properties,
                        StateStore store, TopicNames topics, TopicIds topicIds,
                        @Value(PaymentListener.GROUP_ID) String group) {
        this(decoder, json, deadLetters, properties, store, topics.resolve(Topics.FRAUD_ALERTS), group, topicIds);
    }

    public FraudService(EventDecoder decoder, JsonMapper json, DeadLetterEncoder deadLetters, FraudProperties properties,
                        StateStore store, String alertsTopic) {
        this(decoder, json, deadLetters, properties, store, alertsTopic, PaymentListener.NAME, TopicIds.NONE);
    }

    /** @param group the consumer group of {@link PaymentListener}, part of the progress keys */
    public FraudService(EventDecoder decoder, JsonMapper json, DeadLetterEncoder deadLetters, FraudProperties properties,
                        StateStore store, String alertsTopic, String group, TopicIds topicIds) {
        this.decoder = decoder;
        this.json = json;
        this.format = new StateFormat(json);
        this.deadLetters = deadLetters;
        this.properties = properties;
        this.alertsTopic = alertsTopic;
        // A card's history is worth keeping only while the card is in use: every key expires.
        this.processor = new KeyedStateProcessor<>(store, json, KeyedStateProcessor.Options.expiring(NAMESPACE, group),
            topicIds, card -> List.of());
    }

    /** The state-store key of a card's {@link CardState} (in Redis under the deployment's prefix). */
    public static String stateKey(String cardId) {
        return NAMESPACE + ":state:" + cardId;
    }

    public List<ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> records) {
        return processor.processBatch(records, record -> decoder.checkRecordTime(
            decoder.decodePayment(record.value()), Payment::eventTimeMs, record.timestamp()), Payment::cardId, this::step, alertsTopic, deadLetters);
    }

    private Step step(Payment tx, Item<Payment> item, String stateJson, Map<String, String> context) {
        long ts = tx.eventTimeMs() != null ? tx.eventTimeMs() : item.recordTimestampMs();
        CardState state = stateJson == null ? new CardState(0, 0, List.of(), null) : format.read(stateJson, CardState.class);
        if (state.recent().stream().anyMatch(seen -> seen.id().equals(tx.transactionId()))) {
            return Step.unchanged(stateJson); // the same transaction again: already checked
        }
        List<String> alerts = new ArrayList<>();
        if (properties.enabled(FraudAlert.LARGE_AMOUNT) && tx.amount() > properties.largeAmount()) {
            alerts.add(alert(tx, ts, FraudAlert.LARGE_AMOUNT,
                "amount %s is above the limit of %s".formatted(money(tx.amount()), money(properties.largeAmount())),
                Map.of("limit", properties.largeAmount())));
        }
        long windowMs = properties.velocityWindow().toMillis();
        if (properties.enabled(FraudAlert.VELOCITY)) {
            List<String> inWindow = new ArrayList<>();
            for (Seen seen : state.recent()) {
                if (seen.ts() > ts - windowMs && seen.ts() <= ts) {
                    inWindow.add(seen.id());
                }
            }
            inWindow.add(tx.transactionId());
            if (inWindow.size() > properties.velocityCount()) {
                Map<String, Object> evidence = new LinkedHashMap<>();
                evidence.put("count", inWindow.size());
                evidence.put("limit", properties.velocityCount());
                evidence.put("window_seconds", properties.velocityWindow().toSeconds());
                evidence.put("transaction_ids", inWindow);
                alerts.add(alert(tx, ts, FraudAlert.VELOCITY, "%d transactions of the card within %d s (limit %d)"
                    .formatted(inWindow.size(), properties.velocityWindow().toSeconds(), properties.velocityCount()),
                    evidence));
            }
        }
        if (properties.enabled(FraudAlert.AMOUNT_SPIKE) && state.count() >= properties.spikeMinTransactions()
            && state.count() > 0) {
            double average = state.sum() / state.count();
            if (tx.amount() > properties.spikeFactor() * average) {
                Map<String, Object> evidence = new LinkedHashMap<>();
                evidence.put("average", round(average, 2));
                evidence.put("factor", properties.spikeFactor());
                evidence.put("ratio", round(average == 0 ? Double.MAX_VALUE : tx.amount() / average, 2));
                evidence.put("previous_transactions", state.count());
                alerts.add(alert(tx, ts, FraudAlert.AMOUNT_SPIKE,
                    "amount %s is %s × the card's average of %s over %d transactions (limit %s ×)".formatted(
                        money(tx.amount()), evidence.get("ratio"), money(average), state.count(),
                        number(properties.spikeFactor())), evidence));
            }
        }
        Seen previous = state.last();
        if (properties.enabled(FraudAlert.IMPOSSIBLE_TRAVEL) && previous != null
            && Math.abs(ts - previous.ts()) <= properties.travelWindow().toMillis()) {
            String travel = travel(tx, ts, previous);
            if (travel != null) {
                Map<String, Object> evidence = new LinkedHashMap<>();
                evidence.put("previous_transaction_id", previous.id());
                evidence.put("previous_country", previous.country());
                evidence.put("country", tx.country());
                evidence.put("minutes_between", round(Math.abs(ts - previous.ts()) / 60_000.0, 1));
                if (hasPosition(tx.lat(), tx.lon()) && hasPosition(previous.lat(), previous.lon())) {
                    double km = distanceKm(previous.lat(), previous.lon(), tx.lat(), tx.lon());
                    evidence.put("distance_km", round(km, 1));
                    evidence.put("max_speed_kmh", properties.maxSpeedKmh());
                }
                alerts.add(alert(tx, ts, FraudAlert.IMPOSSIBLE_TRAVEL, travel, evidence));
            }
        }
        List<Seen> recent = new ArrayList<>(state.recent().size() + 1);
        Seen current = new Seen(tx.transactionId(), ts, tx.country(), tx.lat(), tx.lon());
        long newest = Math.max(ts, state.recent().stream().mapToLong(Seen::ts).max().orElse(ts));
        for (Seen seen : state.recent()) {
            if (seen.ts() > newest - windowMs) {
                recent.add(seen);
            }
        }
        if (ts > newest - windowMs) {
            recent.add(current);
        }
        recent.sort(Comparator.comparingLong(Seen::ts));
        if (recent.size() > MAX_RECENT) {
            recent = new ArrayList<>(recent.subList(recent.size() - MAX_RECENT, recent.size()));
        }
        Seen last = previous == null || ts >= previous.ts() ? current : previous;
        CardState next = new CardState(state.count() + 1, state.sum() + tx.amount(), recent, last);
        return new Step(format.write(next), alerts);
    }

    /** @return the reason when the two uses could not both be genuine, else {@code null} */
    private String travel(Payment tx, long ts, Seen previous) {
        double hours = Math.abs(ts - previous.ts()) / 3_600_000.0;
        // Two countries or too fast: either is enough, so positions within reach do not excuse a change of country.
        if (hasPosition(tx.lat(), tx.lon()) && hasPosition(previous.lat(), previous.lon())) {
            double km = distanceKm(previous.lat(), previous.lon(), tx.lat(), tx.lon());
            if (km > properties.maxSpeedKmh() * hours) {
                return "card used %s km apart within %s minutes: faster than %s km/h".formatted(
                    number(round(km, 1)), number(round(hours * 60, 1)), number(properties.maxSpeedKmh()));
            }
        }
        if (tx.country() != null && previous.country() != null && !tx.country().equalsIgnoreCase(previous.country())) {
            return "card used in %s and in %s within %s minutes".formatted(previous.country(), tx.country(),
                number(round(hours * 60, 1)));
        }
        return null;
    }

    private static boolean hasPosition(Double lat, Double lon) {
        return lat != null && lon != null;
    }

    /** Great-circle distance (haversine). */
    static double distanceKm(double lat1, double lon1, double lat2, double lon2) {
        double dLat = Math.toRadians(lat2 - lat1);
        double dLon = Math.toRadians(lon2 - lon1);
        double a = Math.sin(dLat / 2) * Math.sin(dLat / 2)
            + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
        return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
    }

    private String alert(Payment tx, long ts, String rule, String reason, Map<String, Object> evidence) {
        return write(new FraudAlert("fraud-" + rule + "-" + tx.transactionId(), tx.cardId(), tx.transactionId(), rule,
            reason, tx.amount(), WireTime.epochSeconds(ts), evidence));
    }

    private static double round(double value, int places) {
        if (!Double.isFinite(value)) {
            return value;
        }
        return BigDecimal.valueOf(value).setScale(places, RoundingMode.HALF_UP).doubleValue();
    }

    private static String money(double amount) {
        return String.format(Locale.ROOT, "%.2f", amount);
    }

    private static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
