package dev.pulse.aggregates;

import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.configuration.kafka.streams.event.BeforeKafkaStreamStart;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.ApplicationEventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Aborts at once the transactions that instances of the aggregates stream left open when they died, so the
 * partitions they wrote produce again for {@code read_committed} readers as soon as the group has handed their work
 * to the others, rather than when the broker times those transactions out.
 *
 * <p>Why: with {@code exactly_once_v2}, Kafka Streams 3.9 gives each stream thread one transactional producer whose id
 * belongs to the process, {@code <application.id>-<process id>-<thread index>} ({@code StreamsProducer}), with a random
 * process id unless the state directory keeps one. Whoever takes over a killed instance's tasks writes with ids of its
 * own, so nothing fences the dead producer: its open transaction holds the last stable offset of every partition it
 * wrote (the outputs, changelogs, repartition topics, and the input offsets it was committing) until the broker aborts
 * it, {@code transaction.timeout.ms} after it began plus up to the coordinator's abort check interval
 * ({@code transaction.abort.timed.out.transaction.cleanup.interval.ms}, 10 s, a broker setting MSK does not expose).
 * Meanwhile everything the survivors write to those partitions is invisible (a repartition topic's included, which
 * stalls the tasks downstream of it), and input offsets the dead transaction was committing cannot be read.
 * Lowering the timeout does not help much (the check interval dominates, and a short timeout fences live instances
 * under load). The listeners have no such problem: their ids are per partition, so a partition's new owner fences
 * the old one ({@code dev.pulse.listeners.TransactionalBatchRunner}).
 *
 * <p>What: at every transition of the stream into {@code REBALANCING} (the group changed: a member died, joined or
 * left, and its session timeout is what makes a dead one leave) and every {@code check-interval} besides (1 s, the
 * heartbeat interval: a stream thread busy under load rejoins, and so rebalances, seconds after its heartbeat has
 * learnt that the group dropped a member; also a rebalance that found this instance already rebalancing, or a sweep
 * that failed), each instance
 * <ol>
 * <li>lists the transactions the brokers hold {@code ONGOING} ({@link Admin#listTransactions}), keeping this
 *     application's Streams ids;</li>
 * <li>then describes the application's consumer group: every member's client id is
 *     {@code <application.id>-<process id>-StreamThread-<n>-consumer} (Streams' default client id), which names its
 *     process. Listing first means a process that was a member when its transaction was seen open is a member at the
 *     description too, unless it has left the group since: it is dead, or a zombie the group has expelled (whose
 *     fencing is right: it rejoins with a new producer);</li>
 * <li>fences each listed id whose process is not a member, and is not this process: a producer with that
 *     transactional id calls {@code initTransactions()}, which bumps the id's epoch and makes the coordinator abort
 *     the open transaction before it returns; the producer is then closed. Logged at INFO.</li>
 * </ol>
 * Several instances doing it at once do no harm: fencing an id twice aborts one transaction and bumps the epoch twice,
 * and an id already aborted is no longer {@code ONGOING} at the next listing. When {@code client.id} is configured the
 * member ids name no process, so nothing is fenced (logged once). The Kafka principal needs Describe on the group and
 * on the application's transactional ids, and Write on those ids (as the stream itself does).
 *
 * <p>Attached to the stream in {@link BeforeKafkaStreamStart} (a state listener can only be set before the start;
 * Pulse sets no other). Runs on one daemon thread of its own; the stream threads only queue a sweep.
 */
@Singleton
@Requires(property = "pulse.aggregates.abandoned-transactions.enabled", notEquals = "false")
public class AbandonedTransactions implements ApplicationEventListener<BeforeKafkaStreamStart>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AbandonedTransactions.class);
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Properties streamsConfig;
    private final AbandonedTransactionsProperties properties;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final AtomicBoolean unidentifiedLogged = new AtomicBoolean();
    private final Object lifecycle = new Object();
    private String applicationId;
    private StreamsConfig config;
    private List<String> ownMembers = List.of();
    private ScheduledExecutorService executor;
    private Admin admin;
    private String lastFailure;
    private boolean closed;

    @Inject
    public AbandonedTransactions(@Named(AggregatesTopology.STREAM) ConfiguredStreamBuilder builder,
                                 AbandonedTransactionsProperties properties) {
        this(builder.getConfiguration(), properties);
    }

    /** @param streamsConfig the stream's configuration, read when it is attached */
    AbandonedTransactions(Properties streamsConfig, AbandonedTransactionsProperties properties) {
        this.streamsConfig = streamsConfig;
        this.properties = properties;
    }

    @Override
    public void onApplicationEvent(BeforeKafkaStreamStart event) {
        attach(event.getKafkaStreams());
    }

    /**
     * Starts watching {@code streams}, which must not have started yet: sweeps at each of its transitions into
     * {@code REBALANCING} and every check interval. Does nothing unless it runs {@code exactly_once_v2} with Streams'
     * own client ids.
     */
    void attach(KafkaStreams streams) {
        // The two-argument constructor does not log the whole configuration again.
        StreamsConfig parsed = new StreamsConfig(streamsConfig, false) {
        };
        String guarantee = parsed.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        if (!StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee)) {
            LOG.debug("Processing guarantee {}: no transactions of Kafka Streams to abort", guarantee);
            return;
        }
        String id = parsed.getString(StreamsConfig.APPLICATION_ID_CONFIG);
        List<String> own = streams.metadataForLocalThreads().stream().map(ThreadMetadata::consumerClientId).toList();
        if (!decide(id, List.of(), own).unidentifiedMembers().isEmpty()) {
            LOG.warn("The transactions a killed instance of {} leaves open are aborted by the broker's timeout only: "
                + "its stream threads' client ids {} do not name their process (client.id is set)", id, own);
            return;
        }
        synchronized (lifecycle) {
            if (closed || executor != null) {
                return;
            }
            applicationId = id;
            config = parsed;
            ownMembers = own;
            admin = Admin.create(parsed.getAdminConfigs(id + "-abandoned-transactions-admin"));
            executor = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "pulse-abandoned-transactions");
                thread.setDaemon(true);
                return thread;
            });
            long interval = properties.checkInterval().toMillis();
            executor.scheduleWithFixedDelay(this::sweepQuietly, interval, interval, TimeUnit.MILLISECONDS);
        }
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.REBALANCING) {
                LOG.debug("{} rebalancing (from {}): sweeping", applicationId, before);
                queueSweep();
            }
        });
        LOG.info("Aborting the transactions that instances of {} no longer in its group leave open (checked at every "
            + "rebalance and every {})", id, properties.checkInterval());
    }

    /** Queues one sweep, unless one is queued already (a burst of transitions needs one). */
    private void queueSweep() {
        if (queued.compareAndSet(false, true)) {
            try {
                synchronized (lifecycle) {
                    if (executor != null && !closed) {
                        executor.execute(() -> {
                            queued.set(false);
                            sweepQuietly();
                        });
                        return;
                    }
                }
            } catch (RejectedExecutionException closing) {
                // closed meanwhile
            }
            queued.set(false);
        }
    }

    private void sweepQuietly() {
        try {
            sweep();
            lastFailure = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof UnsupportedVersionException) {
                LOG.warn("The brokers cannot list transactions (Kafka 3.0 or later can): transactions a killed instance "
                    + "of {} leaves open are aborted by the broker's timeout only", applicationId);
                close();
                return;
            }
            // Once per kind of failure, not at every check while it lasts.
            String failure = cause.getClass().getName() + ": " + cause.getMessage();
            if (!failure.equals(lastFailure)) {
                LOG.warn("Looking for transactions of {} left open by instances that are gone failed; trying again in {}",
                    applicationId, properties.checkInterval(), cause);
            }
            lastFailure = failure;
        }
    }

    /**
     * One sweep: lists this application's ongoing transactions, then the members of its group, and fences the ids of
     * processes that are not members.
     *
     * @return the transactional ids fenced (their open transactions aborted)
     */
    List<String> sweep() throws ExecutionException, InterruptedException, TimeoutException {
        Admin client;
        synchronized (lifecycle) {
            if (admin == null || closed) {
                return List.of();
            }
            client = admin;
        }
        String prefix = applicationId + "-";
        List<String> ongoing = new ArrayList<>();
        for (TransactionListing listing : client.listTransactions(new ListTransactionsOptions()
                .filterStates(List.of(TransactionState.ONGOING))).all()
            .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            if (listing.transactionalId().startsWith(prefix)) {
                ongoing.add(listing.transactionalId());
            }
        }
        if (ongoing.isEmpty()) {
            return List.of();
        }
        // Only now, after the listing: see the class comment.
        List<String> members = new ArrayList<>(ownMembers);
        client.describeConsumerGroups(List.of(applicationId)).describedGroups().get(applicationId)
            .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .members().stream().map(MemberDescription::clientId).forEach(members::add);
        Verdict verdict = decide(applicationId, ongoing, members);
        LOG.debug("Open transactions of {}: {}; members {}; abandoned {}", applicationId, ongoing, members,
            verdict.abandoned());
        if (!verdict.unidentifiedMembers().isEmpty()) {
            if (unidentifiedLogged.compareAndSet(false, true)) {
                LOG.warn("Not aborting transactions of {}: the client ids {} of members of its group do not name their "
                    + "process (client.id is set?), so a transaction's process cannot be told alive or gone",
                    applicationId, verdict.unidentifiedMembers());
            }
            return List.of();
        }
        List<String> fenced = new ArrayList<>();
        for (String transactionalId : verdict.abandoned()) {
            if (fence(transactionalId)) {
                fenced.add(transactionalId);
            }
        }
        return fenced;
    }

    /**
     * Initialises a producer with {@code transactionalId}: the coordinator bumps the id's epoch and aborts its open
     * transaction before answering. Returns false when another instance's fencing got in the way (it aborted it).
     */
    private boolean fence(String transactionalId) {
        long start = System.nanoTime();
        Map<String, Object> producerConfig = new HashMap<>(
            config.getProducerConfigs(applicationId + "-abandoned-transactions-producer"));
        producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(),
            new ByteArraySerializer())) {
            producer.initTransactions();
        } catch (ProducerFencedException | InvalidProducerEpochException another) {
            LOG.debug("Another instance fenced {} at the same time", transactionalId, another);
            return false;
        }
        LOG.info("Aborted the transaction {} left open by a Kafka Streams process that is no longer a member of {}, "
            + "in {} ms: its partitions are readable again", transactionalId, applicationId,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return true;
    }

    @Override
    @PreDestroy
    public void close() {
        ScheduledExecutorService stopping;
        Admin closing;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = executor;
            closing = admin;
        }
        if (stopping != null) {
            stopping.shutdownNow();
        }
        if (closing != null) {
            closing.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Which ongoing transactions were abandoned: those of this application's Streams producers
     * ({@code <applicationId>-<process id>-<thread index>}) whose process has no member in the group. Nothing when a
     * member's client id names no process ({@code client.id} configured): that member could own any of them.
     *
     * @param ongoingTransactionalIds transactional ids the brokers list as {@code ONGOING}, of any application
     * @param memberClientIds         the client ids of the group's members (and of this process's own threads)
     */
    static Verdict decide(String applicationId, Collection<String> ongoingTransactionalIds,
                          Collection<String> memberClientIds) {
        Objects.requireNonNull(applicationId, "applicationId");
        String quoted = Pattern.quote(applicationId);
        Pattern member = Pattern.compile(quoted + "-(" + UUID + ")-StreamThread-\\d+-consumer");
        Pattern producer = Pattern.compile(quoted + "-(" + UUID + ")-\\d+");
        Set<String> live = new TreeSet<>();
        Set<String> unidentified = new TreeSet<>();
        for (String clientId : memberClientIds) {
            Matcher matched = member.matcher(clientId);
            if (matched.matches()) {
                live.add(matched.group(1));
            } else {
                unidentified.add(clientId);
            }
        }
        if (!unidentified.isEmpty()) {
            return new Verdict(List.of(), List.copyOf(unidentified));
        }
        Set<String> abandoned = new TreeSet<>();
        for (String transactionalId : ongoingTransactionalIds) {
            Matcher matched = producer.matcher(transactionalId);
            if (matched.matches() && !live.contains(matched.group(1))) {
                abandoned.add(transactionalId);
            }
        }
        return new Verdict(List.copyOf(abandoned), List.of());
    }

    /**
     * @param abandoned           the transactional ids to fence, sorted
     * @param unidentifiedMembers member client ids that name no process of the application (then nothing is fenced)
     */
    record Verdict(List<String> abandoned, List<String> unidentifiedMembers) {
    }
}
