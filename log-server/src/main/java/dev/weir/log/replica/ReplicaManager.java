package dev.weir.log.replica;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.config.BrokerConfig;
import dev.weir.log.config.TopicConfigs;
import dev.weir.log.protocol.TxnMarkerBatches;
import dev.weir.log.storage.AppendOrigin;
import dev.weir.log.storage.LogConfig;
import dev.weir.log.storage.LogManager;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequiredAcksException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this broker hosts, kept in step with the metadata image: a partition assigned here
 * gets a log, a partition of a deleted (or re-created) topic or moved away loses its log, config
 * changes reach the logs, and each partition leads or follows as the image says. Followed partitions
 * are handed to the {@link ReplicaFetcherManager}; led partitions check their ISR for laggards every
 * half {@code replica.lag.time.max.ms} and send ISR changes to the controller on a background thread.
 *
 * <p>Thread-safety: {@link #onMetadata} is serialized; lookups read a concurrent map.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    private static final long ISR_PROPOSAL_BACKOFF_MS = 1_000;
    private static final long ISOLATION_CHECK_MS = 500;
    /** {@code acks=all}: the write waits for the whole ISR. */
    public static final short ACKS_ALL = -1;

    private final int nodeId;
    private final LogManager logs;
    private final BrokerConfig broker;
    private final FetchPurgatory fetchPurgatory;
    private final MetadataStore metadata;
    private final Executor background;
    private final ReplicaFetcherManager fetchers;
    private final long maxLagMs;
    private final ScheduledFuture<?> isrCheck;
    private final ScheduledFuture<?> isolationCheck;
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> appliedConfigs = new HashMap<>();
    private final Partition.IsrProposals isrProposals = this::proposeIsr;
    private final List<TransactionMarkerListener> markerListeners = new CopyOnWriteArrayList<>();

    public ReplicaManager(int nodeId, LogManager logs, BrokerConfig broker, FetchPurgatory fetchPurgatory,
                          MetadataStore metadata, ScheduledExecutorService scheduler, Executor background) {
        this.nodeId = nodeId;
        this.logs = logs;
        this.broker = broker;
        this.fetchPurgatory = fetchPurgatory;
        this.metadata = metadata;
        this.background = background;
        this.fetchers = new ReplicaFetcherManager(nodeId, broker, this);
        this.maxLagMs = broker.getLong("replica.lag.time.max.ms");
        long interval = Math.max(50, maxLagMs / 2);
        this.isrCheck = scheduler.scheduleWithFixedDelay(this::shrinkLaggingIsrs, interval, interval, TimeUnit.MILLISECONDS);
        this.isolationCheck = scheduler.scheduleWithFixedDelay(this::failParkedWritesIfIsolated, ISOLATION_CHECK_MS,
                ISOLATION_CHECK_MS, TimeUnit.MILLISECONDS);
    }

    public Optional<Partition> partition(TopicPartition tp) {
        return Optional.ofNullable(partitions.get(tp));
    }

    public FetchPurgatory fetchPurgatory() {
        return fetchPurgatory;
    }

    public int nodeId() {
        return nodeId;
    }

    /** True while this broker is cut off from its cluster's majority and must not lead. */
    public boolean isolated() {
        return metadata.isolated();
    }

    public Partition.IsrProposals isrProposals() {
        return isrProposals;
    }

    public LogConfig logConfig(TopicImage topic) {
        return TopicConfigs.resolve(topic.configs(), broker).toLogConfig();
    }

    /** Brings hosted partitions in line with {@code image}. */
    public synchronized void onMetadata(MetadataImage image) {
        Map<TopicPartition, PartitionImage> wanted = new HashMap<>();
        for (TopicImage topic : image.topics().values()) {
            for (PartitionImage p : topic.partitions()) {
                if (p.replicas().contains(nodeId)) {
                    wanted.put(new TopicPartition(topic.name(), p.partition()), p);
                }
            }
        }
        // Logs of topics that are gone (or were re-created under a new id, or moved away) go first.
        for (TopicPartition tp : Map.copyOf(logs.all()).keySet()) {
            Optional<TopicImage> topic = image.topic(tp.topic());
            Partition hosted = partitions.get(tp);
            boolean replaced = hosted != null && topic.isPresent() && !hosted.topicId().equals(topic.get().id());
            if (!wanted.containsKey(tp) || replaced) {
                partitions.remove(tp);
                fetchers.remove(tp);
                if (hosted != null) {
                    hosted.becomeFollower(new PartitionImage(tp.partition(), PartitionImage.NO_LEADER,
                            hosted.leaderEpoch(), List.of(), List.of(), 0));
                }
                log.info("deleting log of {} (topic deleted, re-created or moved to other brokers)", tp);
                logs.delete(tp);
            }
        }
        long now = System.currentTimeMillis();
        for (TopicImage topic : image.topics().values()) {
            TopicConfigs.Resolved resolved = TopicConfigs.resolve(topic.configs(), broker);
            LogConfig config = resolved.toLogConfig();
            int minIsr = resolved.getInt(TopicConfigs.MIN_INSYNC_REPLICAS);
            boolean configChanged = !topic.configs().equals(appliedConfigs.get(topic.name()));
            for (PartitionImage p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partition());
                if (!wanted.containsKey(tp)) {
                    continue;
                }
                Partition partition = partitions.get(tp);
                if (partition == null) {
                    partition = new Partition(tp, topic.id(), logs.getOrCreate(tp, config), nodeId,
                            () -> fetchPurgatory.onNewData(tp));
                    partitions.put(tp, partition);
                } else if (configChanged) {
                    partition.log().updateConfig(config);
                }
                partition.setMinInsyncReplicas(minIsr);
                applyRole(partition, p, image, now);
            }
            appliedConfigs.put(topic.name(), topic.configs());
        }
        appliedConfigs.keySet().retainAll(image.topics().keySet());
    }

    private void applyRole(Partition partition, PartitionImage p, MetadataImage image, long now) {
        TopicPartition tp = partition.topicPartition();
        if (p.leader() == nodeId) {
            if (!partition.isLeader() || partition.leaderEpoch() != p.leaderEpoch()) {
                fetchers.remove(tp);
                partition.becomeLeader(p, now);
                log.info("{}: leader at epoch {} (ISR {})", tp, p.leaderEpoch(), p.isr());
            } else {
                partition.updateAssignment(p, now);
            }
            return;
        }
        BrokerInfo leader = image.brokers().get(p.leader());
        boolean changed = partition.isLeader() || partition.leaderEpoch() != p.leaderEpoch()
                || partition.leaderId() != p.leader();
        if (changed) {
            partition.becomeFollower(p);
            fetchers.remove(tp);
            log.info("{}: follower of broker {} at epoch {}", tp, p.leader(), p.leaderEpoch());
        } else {
            partition.updateAssignment(p, now);
        }
        if (leader != null) {
            fetchers.follow(partition, leader);
        } else {
            fetchers.remove(tp);
        }
    }

    private void proposeIsr(Partition partition, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        background.execute(() -> {
            TopicPartition tp = partition.topicPartition();
            long backoffMs = 0;
            try {
                metadata.alterPartition(tp, nodeId, leaderEpoch, partitionEpoch, isr);
                log.info("{}: ISR is now {}", tp, isr);
            } catch (RuntimeException e) {
                backoffMs = ISR_PROPOSAL_BACKOFF_MS;
                log.info("{}: ISR change to {} refused: {}", tp, isr, e.getMessage());
            } finally {
                partition.clearPendingIsr(isr, backoffMs);
            }
        });
    }

    private void shrinkLaggingIsrs() {
        long now = System.currentTimeMillis();
        for (Partition p : partitions.values()) {
            try {
                p.maybeShrinkIsr(now, maxLagMs, isrProposals);
            } catch (RuntimeException e) {
                log.warn("{}: ISR check failed", p.topicPartition(), e);
            }
        }
    }

    /** A leader cut off from its cluster cannot get writes replicated: their producers should go elsewhere now. */
    private void failParkedWritesIfIsolated() {
        if (!metadata.isolated()) {
            return;
        }
        for (Partition p : partitions.values()) {
            if (p.isLeader()) {
                p.failParkedWrites("broker " + nodeId + " is cut off from the majority of its cluster; "
                        + p.topicPartition() + " may have a new leader");
            }
        }
    }

    /** Registers a listener told of every transaction marker committed on a partition led here. */
    public void addTransactionMarkerListener(TransactionMarkerListener listener) {
        markerListeners.add(listener);
    }

    /** {@link #appendRecords(TopicPartition, ByteBuffer, short, long, AppendOrigin)} of a producer's records (Produce). */
    public CompletableFuture<AppendResult> appendRecords(TopicPartition tp, ByteBuffer records, short requiredAcks,
                                                         long timeoutMs) {
        return appendRecords(tp, records, requiredAcks, timeoutMs, AppendOrigin.CLIENT);
    }

    /**
     * The one way records reach a partition this broker leads: Produce, transaction markers and the coordinators'
     * writes to their internal topics all come here. Appends {@code records} as leader now (on the calling thread),
     * wakes fetches waiting for data, and returns a future that completes once {@code requiredAcks} is satisfied: at
     * once for 0 and 1, and for -1 (all) once the high watermark covers the records. As in Kafka, acks=-1 is refused
     * with NotEnoughReplicasException while the ISR is smaller than {@code min.insync.replicas}.
     *
     * @param requiredAcks -1 (all), 0 or 1
     * @param timeoutMs    how long acks=-1 waits for the ISR
     * @param origin       {@link AppendOrigin#COORDINATOR} may append control batches and skips the client's sequence
     *                     checks
     * @return completes with the append's result; fails with Kafka's TimeoutException (REQUEST_TIMED_OUT) after
     *         {@code timeoutMs}, NotLeaderOrFollowerException when leadership moves before the ISR has the records, or
     *         NotEnoughReplicasAfterAppendException when the ISR shrank below {@code min.insync.replicas} first
     * @throws RuntimeException when the append itself fails, and nothing was written: NotLeaderOrFollowerException,
     *                          NotEnoughReplicasException, InvalidRequiredAcksException, the log's validation and
     *                          storage errors
     */
    public CompletableFuture<AppendResult> appendRecords(TopicPartition tp, ByteBuffer records, short requiredAcks,
                                                         long timeoutMs, AppendOrigin origin) {
        if (requiredAcks != ACKS_ALL && requiredAcks != 0 && requiredAcks != 1) {
            throw new InvalidRequiredAcksException("acks must be -1 (all), 0 or 1, not " + requiredAcks);
        }
        Partition partition = partitions.get(tp);
        if (partition == null) {
            throw new NotLeaderOrFollowerException("this broker does not host " + tp);
        }
        AppendResult info = AppendResult.of(partition.appendAsLeader(records, requiredAcks == ACKS_ALL, origin));
        fetchPurgatory.onNewData(tp);
        if (requiredAcks != ACKS_ALL) {
            return CompletableFuture.completedFuture(info);
        }
        CompletableFuture<AppendResult> acked = new CompletableFuture<>();
        partition.awaitAcksAll(info.lastOffset() + 1)
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .whenComplete((v, failure) -> {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    if (cause == null) {
                        acked.complete(info);
                    } else if (cause instanceof java.util.concurrent.TimeoutException) {
                        acked.completeExceptionally(new TimeoutException("the in-sync replicas of " + tp
                                + " did not acknowledge the write within " + timeoutMs + " ms"));
                    } else {
                        acked.completeExceptionally(cause);
                    }
                });
        return acked;
    }

    /**
     * Appends an end-transaction marker (WriteTxnMarkers, partition side) through {@link #appendRecords} with acks=-1;
     * the future completes once the high watermark covers the marker, after the {@link TransactionMarkerListener}s
     * were told.
     *
     * @return the marker; fails with NotLeaderOrFollowerException, NotEnoughReplicasException,
     *         InvalidProducerEpochException (epoch older than the producer's), TransactionCoordinatorFencedException
     *         (coordinator epoch older than the last marker's), KafkaStorageException, or TimeoutException after
     *         {@code timeoutMs}
     */
    public CompletableFuture<TransactionMarker> appendTransactionMarker(Partition partition, long producerId,
                                                                       short producerEpoch, int coordinatorEpoch,
                                                                       boolean committed, long timeoutMs) {
        TopicPartition tp = partition.topicPartition();
        CompletableFuture<AppendResult> appended;
        try {
            appended = appendRecords(tp, TxnMarkerBatches.endTxnMarker(producerId, producerEpoch, coordinatorEpoch,
                    committed, System.currentTimeMillis()), ACKS_ALL, timeoutMs, AppendOrigin.COORDINATOR);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return appended.thenApply(info -> {
            TransactionMarker marker = new TransactionMarker(tp, producerId, producerEpoch, committed, info.firstOffset());
            for (TransactionMarkerListener l : markerListeners) {
                try {
                    l.onTransactionMarker(marker);
                } catch (RuntimeException e) {
                    log.error("{}: transaction marker listener failed for {}", tp, marker, e);
                }
            }
            return marker;
        });
    }

    /** After DeleteRecords moved the log start offset. */
    public void onLogStartMoved(Partition partition) {
        partition.refreshAfterTruncationOfHead();
        fetchPurgatory.onNewData(partition.topicPartition());
    }

    @Override
    public void close() {
        isrCheck.cancel(false);
        isolationCheck.cancel(false);
        fetchers.close();
    }
}
