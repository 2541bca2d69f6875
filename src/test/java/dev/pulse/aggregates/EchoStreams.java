package dev.pulse.aggregates;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * The smallest exactly-once Kafka Streams application: it copies each record of an input topic to an output topic,
 * with Pulse's group timing (session timeout 10 s, heartbeat 2 s, commit interval 1 s). Run by
 * {@link AbandonedTransactionsIntegrationTest} as the instance it kills, in a child JVM ({@link #main}), and in the
 * test's JVM as the instance that survives. The killed one can be made to leave a transaction open: given the value
 * {@value #STALL}, it forwards it (its producer sends it, opening the transaction on the output partition) and then
 * never returns, so the transaction is never committed.
 */
public final class EchoStreams {

    /** The value on which an instance started with {@code stall} stops, its transaction open. */
    public static final String STALL = "stall";

    /**
     * Far longer than the test waits: without a fence the broker leaves the killed instance's transaction open that
     * long, so the test's bound fails every time, not only when the broker's abort check happens to come late.
     */
    static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(60);
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);

    private EchoStreams() {
    }

    /** {@code input} to {@code output}, keys and values as strings; with {@code stall}, stops at {@value #STALL}. */
    static Topology topology(String input, String output, boolean stall) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()).withName("echo-source"))
            .processValues(() -> new Echo(stall), Named.as("echo"))
            .to(output, Produced.with(Serdes.String(), Serdes.String()).withName("echo-sink"));
        return builder.build();
    }

    static Properties config(String bootstrapServers, String applicationId, String stateDir) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis());
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2000);
        config.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
            (int) TRANSACTION_TIMEOUT.toMillis());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return config;
    }

    /**
     * Runs the stalling instance until it is killed.
     *
     * @param args bootstrap servers, application id, input topic, output topic, state directory
     */
    public static void main(String[] args) throws InterruptedException {
        KafkaStreams streams = new KafkaStreams(topology(args[2], args[3], true), config(args[0], args[1], args[4]));
        streams.setStateListener((now, before) -> System.out.println("echo streams: " + before + " -> " + now));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(10))));
        streams.start();
        new CountDownLatch(1).await();
    }

    private static final class Echo implements FixedKeyProcessor<String, String, String> {

        private final boolean stall;
        private FixedKeyProcessorContext<String, String> context;

        Echo(boolean stall) {
            this.stall = stall;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, String> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, String> record) {
            context.forward(record);
            if (stall && STALL.equals(record.value())) {
                System.out.println("echo streams: stalled on " + record.key() + ", its transaction open");
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
