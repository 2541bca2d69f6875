package dev.pulse.bench;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/** What the load driver's plain Kafka Streams peers share: their settings from the command line, and their run. */
final class PlainStreamsApp {

    private PlainStreamsApp() {
    }

    /** {@code name=value} arguments as properties, exactly-once and from the earliest offset unless given. */
    static Properties settings(String[] args) {
        Properties props = new Properties();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            props.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        props.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return props;
    }

    /** Runs {@code topology} until the JVM is told to stop, then closes it cleanly. */
    static void run(String name, Topology topology, Properties props) throws InterruptedException {
        KafkaStreams streams = new KafkaStreams(topology, props);
        CountDownLatch latch = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(name + "-shutdown-hook") {
            @Override
            public void run() {
                streams.close();
                latch.countDown();
            }
        });
        streams.start();
        latch.await();
    }
}
