package dev.weir.log.txn;

import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.coordinator.Coordinator;
import dev.weir.log.coordinator.CoordinatorRuntime;
import dev.weir.log.coordinator.ShardLog;
import dev.weir.log.coordinator.ShardStatus;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.replica.ReplicaManager;
import dev.weir.log.txn.TransactionShard.Entry;
import dev.weir.log.txn.TxnMarkerChannel.MarkerJob;
import dev.weir.log.txn.TxnMarkerChannel.Outcome;
import dev.weir.log.txn.TxnOperations.InitResult;
import dev.weir.log.txn.TxnOperations.ListResult;
import dev.weir.log.txn.TxnOperations.TransactionDescription;
import dev.weir.log.txn.TxnOperations.TransactionListing;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator (KIP-98, the classic protocol, with KIP-360 epoch bumps): transactional ids,
 * their producer ids and epochs and their open transactions, stored in the compacted topic
 * {@code __transaction_state} (record format in {@link TxnRecords}, states in {@link TransactionState}).
 * A transactional id belongs to partition {@code abs(id.hashCode()) % partitions} (Kafka's rule), and the
 * leader of that partition coordinates it: each partition this broker leads has a {@link TransactionShard},
 * loaded when leadership arrives and dropped when it leaves, on the same {@link CoordinatorRuntime} as the group
 * coordinator's {@code __consumer_offsets}. Writes to the topic are acks=all and honour {@code min.insync.replicas};
 * a failed write gets Kafka's coordinator error (COORDINATOR_NOT_AVAILABLE or NOT_COORDINATOR, see
 * {@code TransactionShard.storeError}).
 *
 * <p>The two-phase commit: EndTxn writes PrepareCommit (or PrepareAbort) and answers once it is replicated;
 * the {@link TxnMarkerChannel} then has every partition leader append the marker, after which
 * CompleteCommit (CompleteAbort) is written. Until then the id answers CONCURRENT_TRANSACTIONS, and a
 * coordinator that takes over resends the markers of every id it loads in a Prepare state.
 *
 * <p>Fencing: InitProducerId bumps the epoch, so requests of an older incarnation get PRODUCER_FENCED. If the
 * older incarnation left a transaction open, it is aborted at a bumped epoch (so its markers also fence the
 * zombie on every partition) and InitProducerId answers CONCURRENT_TRANSACTIONS until the abort completes;
 * the client retries. A transaction open longer than its timeout is aborted the same way by a periodic check.
 *
 * <p>Thread-safety: safe for concurrent use. Metadata changes run on the runtime's loader thread, shard loads on
 * its shard threads; requests run on request-handler threads and hold one transactional id's monitor at a time;
 * marker completions run on the marker thread, the timeout check on the scheduler.
 */
public final class TransactionCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);
    public static final String STATE_TOPIC = "__transaction_state";
    /** Pause before retrying a failed CompleteCommit/CompleteAbort write. */
    private static final long COMPLETE_RETRY_MS = 1000;

    private final TxnConfig config;
    private final ProducerIdAllocator producerIds;
    private final Clock clock;
    private final TxnMarkerChannel markers;
    private final CoordinatorRuntime<TransactionShard> runtime;

    /**
     * @param markerWriter sends WriteTxnMarkers to a broker; {@code null} for the real one (an
     *                     {@code InterBrokerClient} per broker)
     */
    public TransactionCoordinator(int nodeId, TxnConfig config, MetadataStore metadata, ReplicaManager replicas,
                                  ProducerIdAllocator producerIds, ScheduledExecutorService scheduler, Clock clock,
                                  TxnMarkerChannel.MarkerWriter markerWriter) {
        this.config = config;
        this.producerIds = producerIds;
        this.clock = clock;
        this.markers = new TxnMarkerChannel(metadata, markerWriter != null ? markerWriter
                : new TxnMarkerChannel.InterBrokerWriter(nodeId, config.requestTimeoutMs()));
        // Kafka's transaction coordinator waits request.timeout.ms for its state log's ISR.
        this.runtime = new CoordinatorRuntime<>(new CoordinatorRuntime.InternalTopic(STATE_TOPIC,
                config.stateTopicPartitions(), config.stateTopicReplicationFactor(),
                "transaction.state.log.replication.factor", "transactional ids"), nodeId, metadata, replicas,
                scheduler, config.requestTimeoutMs(), "weir-txn-loader", new CoordinatorRuntime.Shards<>() {
                    @Override
                    public TransactionShard create(int partitionIndex, int leaderEpoch, ShardLog log) {
                        return new TransactionShard(partitionIndex, leaderEpoch, log);
                    }

                    @Override
                    public void load(TransactionShard shard) {
                        // A coordinator that takes over finishes the transactions its predecessor prepared.
                        for (Entry entry : shard.load()) {
                            synchronized (entry) {
                                writeMarkers(shard, entry, entry.current);
                            }
                        }
                    }
                });
    }

    /** Follows metadata from now on (register after the replica manager, so partitions exist first). */
    public void start() {
        runtime.start();
        runtime.scheduleWithFixedDelay(this::abortTimedOutAndExpire, config.abortCheckIntervalMs());
    }

    public TxnConfig config() {
        return config;
    }

    // --- placement ---

    /** The {@code __transaction_state} partition of a transactional id: Kafka's {@code Utils.abs(hashCode) % partitions}. */
    public int partitionFor(String transactionalId) {
        return runtime.partitionFor(transactionalId);
    }

    public static boolean isStateTopic(String topic) {
        return STATE_TOPIC.equals(topic);
    }

    /** Creates {@code __transaction_state} unless it exists. */
    public void ensureStateTopic() {
        runtime.ensureTopic();
    }

    /** FindCoordinator key type 1: the leader of the id's state partition. Creates the topic on first use. */
    public Coordinator findCoordinator(String transactionalId) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return Coordinator.error(ErrorCode.INVALID_REQUEST, "the transactional id is missing");
        }
        return runtime.find(transactionalId);
    }

    // --- InitProducerId ---

    /**
     * InitProducerId with a transactional id.
     *
     * @param expectedProducerId    -1, or (v3+, KIP-360) the producer id the client has
     * @param expectedProducerEpoch -1, or the epoch the client has
     */
    public CompletableFuture<InitResult> initProducerId(String transactionalId, int timeoutMs, long expectedProducerId,
                                                        short expectedProducerEpoch) {
        if (transactionalId.isEmpty()) {
            return done(InitResult.error(ErrorCode.INVALID_REQUEST));
        }
        if (timeoutMs <= 0 || timeoutMs > config.maxTimeoutMs()) {
            return done(InitResult.error(ErrorCode.INVALID_TRANSACTION_TIMEOUT));
        }
        TransactionShard shard = shardOf(transactionalId);
        ErrorCode unavailable = unavailable(shard, transactionalId);
        if (unavailable != ErrorCode.NONE) {
            return done(InitResult.error(unavailable));
        }
        long now = clock.millis();
        Entry entry = shard.getOrCreate(transactionalId,
                () -> TransactionMetadata.fresh(transactionalId, producerIds.nextProducerId(), timeoutMs, now));
        synchronized (entry) {
            if (entry.removed || entry.pending != null) {
                return done(InitResult.error(ErrorCode.CONCURRENT_TRANSACTIONS));
            }
            TransactionMetadata cur = entry.current;
            if (expectedProducerId != TransactionMetadata.NO_PRODUCER_ID && cur.producerEpoch() != TransactionMetadata.NO_EPOCH) {
                boolean matches = expectedProducerId == cur.producerId() && expectedProducerEpoch == cur.producerEpoch();
                // A retry of an InitProducerId that already bumped the epoch (or moved to a new producer id).
                boolean retry = cur.state() == TransactionState.EMPTY
                        && ((expectedProducerId == cur.producerId() && expectedProducerEpoch == cur.lastProducerEpoch())
                        || (expectedProducerId == cur.previousProducerId() && cur.producerEpoch() == 0));
                if (retry) {
                    return done(new InitResult(ErrorCode.NONE, cur.producerId(), cur.producerEpoch()));
                }
                if (!matches) {
                    return done(InitResult.error(ErrorCode.PRODUCER_FENCED));
                }
            }
            switch (cur.state()) {
                case PREPARE_COMMIT, PREPARE_ABORT, PREPARE_EPOCH_FENCE, DEAD -> {
                    return done(InitResult.error(ErrorCode.CONCURRENT_TRANSACTIONS));
                }
                case ONGOING -> {
                    // The previous incarnation left a transaction open: abort it at a bumped epoch; the client
                    // retries until CompleteAbort, then gets the next epoch.
                    log.info("transactional id '{}': a new producer fences epoch {}; aborting its open transaction",
                            transactionalId, cur.producerEpoch());
                    return fenceAndAbort(shard, entry, now)
                            .thenApply(error -> InitResult.error(error == ErrorCode.NONE
                                    ? ErrorCode.CONCURRENT_TRANSACTIONS : error));
                }
                default -> {
                    TransactionMetadata next = cur.initialized(timeoutMs,
                            cur.epochExhausted() ? producerIds.nextProducerId() : cur.producerId(), now);
                    return shard.write(entry, next, now).thenApply(error -> error == ErrorCode.NONE
                            ? new InitResult(ErrorCode.NONE, next.producerId(), next.producerEpoch())
                            : InitResult.error(error));
                }
            }
        }
    }

    // --- AddPartitionsToTxn, AddOffsetsToTxn ---

    /** AddPartitionsToTxn (and AddOffsetsToTxn with the group's offsets partition): one error for all partitions. */
    public CompletableFuture<ErrorCode> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                                      Set<TopicPartition> partitions) {
        return withProducer(transactionalId, producerId, producerEpoch, (shard, entry) -> {
            TransactionMetadata cur = entry.current;
            switch (cur.state()) {
                case PREPARE_COMMIT, PREPARE_ABORT, PREPARE_EPOCH_FENCE -> {
                    return done(ErrorCode.CONCURRENT_TRANSACTIONS);
                }
                case DEAD -> {
                    return done(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
                }
                default -> {
                    if (cur.state() == TransactionState.ONGOING && cur.partitions().containsAll(partitions)) {
                        return done(ErrorCode.NONE);
                    }
                    long now = clock.millis();
                    return shard.write(entry, cur.withPartitions(partitions, now), now);
                }
            }
        });
    }

    /**
     * AddPartitionsToTxn v4+ with VerifyOnly (KIP-890 part 1, for partition leaders): NONE for each partition
     * that is in the producer's open transaction, INVALID_TXN_STATE for the others, or the id's error for all.
     */
    public Map<TopicPartition, ErrorCode> verifyPartitions(String transactionalId, long producerId, short producerEpoch,
                                                           Set<TopicPartition> partitions) {
        Map<TopicPartition, ErrorCode> out = new HashMap<>();
        TransactionShard shard = transactionalId == null ? null : shardOf(transactionalId);
        ErrorCode error = transactionalId == null || transactionalId.isEmpty() ? ErrorCode.INVALID_REQUEST
                : unavailable(shard, transactionalId);
        Entry entry = error == ErrorCode.NONE ? shard.entry(transactionalId) : null;
        if (error == ErrorCode.NONE && entry == null) {
            error = ErrorCode.INVALID_PRODUCER_ID_MAPPING;
        }
        if (entry != null) {
            synchronized (entry) {
                error = checkProducer(entry, producerId, producerEpoch);
                if (error == ErrorCode.CONCURRENT_TRANSACTIONS) {
                    error = ErrorCode.NONE; // verification only reads the current state
                }
                for (TopicPartition tp : partitions) {
                    out.put(tp, error != ErrorCode.NONE ? error
                            : entry.current.state() == TransactionState.ONGOING && entry.current.partitions().contains(tp)
                            ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
                }
                return out;
            }
        }
        for (TopicPartition tp : partitions) {
            out.put(tp, error);
        }
        return out;
    }

    /** The producer checks of AddPartitionsToTxn and EndTxn, in Kafka's order. Caller holds the monitor. */
    private static ErrorCode checkProducer(Entry entry, long producerId, short producerEpoch) {
        TransactionMetadata cur = entry.current;
        if (entry.removed || cur.producerEpoch() == TransactionMetadata.NO_EPOCH || cur.producerId() != producerId) {
            return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
        }
        if (cur.producerEpoch() != producerEpoch) {
            return ErrorCode.PRODUCER_FENCED;
        }
        if (entry.pending != null) {
            return ErrorCode.CONCURRENT_TRANSACTIONS;
        }
        return ErrorCode.NONE;
    }

    // --- EndTxn ---

    /**
     * EndTxn: writes PrepareCommit or PrepareAbort and answers once it is replicated; the markers and the final
     * CompleteCommit or CompleteAbort follow in the background. A retry of a finished EndTxn gets NONE.
     */
    public CompletableFuture<ErrorCode> endTxn(String transactionalId, long producerId, short producerEpoch,
                                               boolean commit) {
        return withProducer(transactionalId, producerId, producerEpoch, (shard, entry) -> {
            TransactionMetadata cur = entry.current;
            return switch (cur.state()) {
                case ONGOING -> {
                    long now = clock.millis();
                    TransactionMetadata prepared = cur.prepared(commit, now);
                    yield shard.write(entry, prepared, now).thenApply(e -> {
                        if (e == ErrorCode.NONE) {
                            writeMarkers(shard, entry, prepared);
                        }
                        return e;
                    });
                }
                case COMPLETE_COMMIT -> done(commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
                case COMPLETE_ABORT -> done(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE);
                case PREPARE_COMMIT -> done(commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
                case PREPARE_ABORT -> done(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
                case EMPTY, DEAD, PREPARE_EPOCH_FENCE -> done(ErrorCode.INVALID_TXN_STATE);
            };
        });
    }

    /** What AddPartitionsToTxn and EndTxn do once the id is served here and the producer is current. */
    private interface ProducerOperation {
        /** Called holding the entry's monitor. */
        CompletableFuture<ErrorCode> apply(TransactionShard shard, Entry entry);
    }

    /**
     * Kafka's checks of AddPartitionsToTxn and EndTxn, in order (id given, coordinated and loaded here, known, producer
     * id and epoch current, no transition pending), then {@code operation} holding the id's monitor.
     */
    private CompletableFuture<ErrorCode> withProducer(String transactionalId, long producerId, short producerEpoch,
                                                      ProducerOperation operation) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return done(ErrorCode.INVALID_REQUEST);
        }
        TransactionShard shard = shardOf(transactionalId);
        ErrorCode unavailable = unavailable(shard, transactionalId);
        if (unavailable != ErrorCode.NONE) {
            return done(unavailable);
        }
        Entry entry = shard.entry(transactionalId);
        if (entry == null) {
            return done(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
        }
        synchronized (entry) {
            ErrorCode error = checkProducer(entry, producerId, producerEpoch);
            return error != ErrorCode.NONE ? done(error) : operation.apply(shard, entry);
        }
    }

    /**
     * Aborts the entry's open transaction at a bumped epoch (PrepareEpochFence, then PrepareAbort written) and
     * starts its markers. Caller holds the monitor; the entry is Ongoing without a pending transition.
     */
    private CompletableFuture<ErrorCode> fenceAndAbort(TransactionShard shard, Entry entry, long now) {
        TransactionMetadata prepared = entry.current.fenced(now).prepared(false, now);
        return shard.write(entry, prepared, now).thenApply(error -> {
            if (error == ErrorCode.NONE) {
                writeMarkers(shard, entry, prepared);
            }
            return error;
        });
    }

    /** Sends the markers of a prepared transaction, then writes CompleteCommit/CompleteAbort. */
    private void writeMarkers(TransactionShard shard, Entry entry, TransactionMetadata prepared) {
        boolean commit = prepared.state() == TransactionState.PREPARE_COMMIT;
        MarkerJob job = new MarkerJob(prepared.transactionalId(), prepared.producerId(), prepared.producerEpoch(), commit,
                shard.coordinatorEpoch(), prepared.partitions(), shard::active);
        markers.send(job).thenAccept(outcome -> {
            if (outcome == Outcome.WRITTEN) {
                complete(shard, entry, prepared);
            }
        });
    }

    private void complete(TransactionShard shard, Entry entry, TransactionMetadata prepared) {
        synchronized (entry) {
            if (!shard.active() || entry.removed || entry.current != prepared || entry.pending != null) {
                return; // superseded: the shard moved, or a newer coordinator took over
            }
            long now = clock.millis();
            shard.write(entry, prepared.completed(now), now).thenAccept(error -> {
                if (error == ErrorCode.NONE) {
                    log.debug("transactional id '{}': {} complete", prepared.transactionalId(),
                            prepared.state().kafkaName());
                } else {
                    log.warn("transactional id '{}': writing the end of the transaction failed ({}); retrying",
                            prepared.transactionalId(), error);
                    schedule(() -> complete(shard, entry, prepared), COMPLETE_RETRY_MS);
                }
            });
        }
    }

    // --- timeouts and expiration ---

    /** Aborts Ongoing transactions past their timeout (fencing their producer) and removes expired ids. */
    void abortTimedOutAndExpire() {
        long now = clock.millis();
        for (TransactionShard shard : runtime.shards()) {
            if (!shard.active()) {
                continue;
            }
            for (Map.Entry<String, Entry> e : List.copyOf(shard.entries())) {
                Entry entry = e.getValue();
                synchronized (entry) {
                    if (entry.removed || entry.pending != null) {
                        continue;
                    }
                    TransactionMetadata cur = entry.current;
                    if (cur.timedOut(now)) {
                        log.info("transactional id '{}': transaction of producer {} epoch {} timed out after {} ms;"
                                + " aborting it", e.getKey(), cur.producerId(), cur.producerEpoch(), cur.timeoutMs());
                        fenceAndAbort(shard, entry, now);
                    } else if (cur.producerEpoch() == TransactionMetadata.NO_EPOCH
                            && now - cur.lastUpdateMs() > config.idExpirationMs()) {
                        shard.remove(e.getKey(), entry); // never written
                    } else if ((cur.state() == TransactionState.EMPTY || cur.state() == TransactionState.COMPLETE_COMMIT
                            || cur.state() == TransactionState.COMPLETE_ABORT)
                            && now - cur.lastUpdateMs() > config.idExpirationMs()) {
                        log.info("transactional id '{}' unused for {} ms: removing it", e.getKey(), now - cur.lastUpdateMs());
                        shard.write(entry, cur.dead(now), now);
                    }
                }
            }
        }
    }

    /** Runs one timeout and expiration pass now (tests). */
    public void runTimeoutCheckNow() {
        abortTimedOutAndExpire();
    }

    // --- DescribeTransactions, ListTransactions ---

    public TransactionDescription describe(String transactionalId) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return TransactionDescription.error(transactionalId, ErrorCode.INVALID_REQUEST);
        }
        TransactionShard shard = shardOf(transactionalId);
        ErrorCode unavailable = unavailable(shard, transactionalId);
        if (unavailable != ErrorCode.NONE) {
            return TransactionDescription.error(transactionalId, unavailable);
        }
        Entry entry = shard.entry(transactionalId);
        if (entry == null) {
            return TransactionDescription.error(transactionalId, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
        }
        synchronized (entry) {
            TransactionMetadata m = entry.current;
            if (entry.removed || m.producerEpoch() == TransactionMetadata.NO_EPOCH) {
                return TransactionDescription.error(transactionalId, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
            }
            return new TransactionDescription(transactionalId, ErrorCode.NONE, m.state().kafkaName(), m.timeoutMs(),
                    m.state().inTransaction() ? m.txnStartMs() : -1, m.producerId(), m.producerEpoch(), m.partitions());
        }
    }

    /**
     * ListTransactions over every shard of this broker. Empty filters keep everything.
     *
     * @param durationMs -1, or only transactions open at least this long
     * @param idPattern  null, or a regular expression the whole transactional id must match (KIP-1152)
     */
    public ListResult list(Collection<String> states, Collection<Long> producerIds, long durationMs, String idPattern) {
        List<String> unknown = new ArrayList<>();
        java.util.EnumSet<TransactionState> stateFilter = java.util.EnumSet.noneOf(TransactionState.class);
        for (String s : states == null ? List.<String>of() : states) {
            TransactionState state = TransactionState.byKafkaName(s);
            if (state == null) {
                unknown.add(s);
            } else {
                stateFilter.add(state);
            }
        }
        Pattern pattern;
        try {
            pattern = idPattern == null || idPattern.isEmpty() ? null : Pattern.compile(idPattern);
        } catch (PatternSyntaxException e) {
            return new ListResult(ErrorCode.INVALID_REQUEST, unknown, List.of());
        }
        List<TransactionListing> out = new ArrayList<>();
        if (!unknown.isEmpty() && stateFilter.isEmpty()) {
            return new ListResult(ErrorCode.NONE, unknown, out); // only unknown states asked for: none can match
        }
        Set<Long> pids = producerIds == null ? Set.of() : Set.copyOf(producerIds);
        long now = clock.millis();
        ErrorCode error = ErrorCode.NONE;
        for (TransactionShard shard : runtime.shards()) {
            if (shard.status() == ShardStatus.LOADING) {
                error = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
                continue;
            }
            for (Map.Entry<String, Entry> e : List.copyOf(shard.entries())) {
                TransactionMetadata m;
                synchronized (e.getValue()) {
                    if (e.getValue().removed) {
                        continue;
                    }
                    m = e.getValue().current;
                }
                if (m.producerEpoch() == TransactionMetadata.NO_EPOCH
                        || (!stateFilter.isEmpty() && !stateFilter.contains(m.state()))
                        || (!pids.isEmpty() && !pids.contains(m.producerId()))
                        || (durationMs >= 0 && (!m.state().inTransaction() || now - m.txnStartMs() < durationMs))
                        || (pattern != null && !pattern.matcher(e.getKey()).matches())) {
                    continue;
                }
                out.add(new TransactionListing(e.getKey(), m.producerId(), m.state().kafkaName()));
            }
        }
        return new ListResult(error, unknown, out);
    }

    // --- routing ---

    private TransactionShard shardOf(String transactionalId) {
        return runtime.shardOf(transactionalId);
    }

    /** NONE when {@code shard} serves requests, else the error that sends the client to retry or look again. */
    private ErrorCode unavailable(TransactionShard shard, String transactionalId) {
        return shard != null ? shard.availability() : runtime.missingShardError(transactionalId, ErrorCode.NOT_COORDINATOR);
    }

    private void schedule(Runnable task, long delayMs) {
        runtime.schedule(task, delayMs);
    }

    /** Waits until every metadata change seen so far has been applied (shards loaded or unloaded). */
    public void awaitIdle() {
        runtime.awaitIdle();
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    @Override
    public void close() {
        runtime.close();
        markers.close();
    }
}
