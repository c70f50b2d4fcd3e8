package dev.weir.log.txn;

import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * What the coordinator knows of one transactional id: the value of its {@code __transaction_state}
 * record. Immutable; every change is a new value made by {@link #transitionTo}, which enforces the
 * table of {@link TransactionState}.
 *
 * @param producerId         the producer id the transactional id uses now
 * @param previousProducerId the producer id before the last change of producer id (epoch exhaustion), or -1
 * @param producerEpoch      the current epoch; -1 only for an id whose first InitProducerId is not yet written
 * @param lastProducerEpoch  the epoch before the last bump, or -1: a producer retrying InitProducerId with it
 *                           (KIP-360) gets the current epoch again instead of being fenced
 * @param timeoutMs          {@code transaction.timeout.ms} of the current producer
 * @param partitions         the partitions of the open transaction (empty without one), sorted
 * @param txnStartMs         when the open transaction started (-1 without one)
 * @param lastUpdateMs       when this value was made
 */
public record TransactionMetadata(String transactionalId, long producerId, long previousProducerId, short producerEpoch,
                                  short lastProducerEpoch, int timeoutMs, TransactionState state,
                                  Set<TopicPartition> partitions, long txnStartMs, long lastUpdateMs) {
    public static final long NO_PRODUCER_ID = -1;
    public static final short NO_EPOCH = -1;
    /** Kafka bumps epochs up to here; past it the transactional id gets a new producer id at epoch 0. */
    static final short MAX_EPOCH = Short.MAX_VALUE - 1;
    private static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    public TransactionMetadata {
        TreeSet<TopicPartition> sorted = new TreeSet<>(ORDER);
        sorted.addAll(partitions);
        partitions = java.util.Collections.unmodifiableSet(sorted);
    }

    /** A transactional id seen for the first time: its producer id is allocated, no epoch is written yet. */
    static TransactionMetadata fresh(String transactionalId, long producerId, int timeoutMs, long now) {
        return new TransactionMetadata(transactionalId, producerId, NO_PRODUCER_ID, NO_EPOCH, NO_EPOCH, timeoutMs,
                TransactionState.EMPTY, Set.of(), -1, now);
    }

    /** True once the epoch cannot be bumped any further without a new producer id. */
    boolean epochExhausted() {
        return producerEpoch >= MAX_EPOCH;
    }

    /** True when the open transaction started more than its timeout before {@code now}. */
    boolean timedOut(long now) {
        return state == TransactionState.ONGOING && txnStartMs >= 0 && now - txnStartMs > timeoutMs;
    }

    /**
     * This value in {@code next} state with the given fields; throws if the table does not allow the
     * transition.
     */
    TransactionMetadata transitionTo(TransactionState next, long newProducerId, long newPreviousProducerId,
                                     short newEpoch, short newLastEpoch, int newTimeoutMs,
                                     Set<TopicPartition> newPartitions, long newTxnStartMs, long now) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException("transactional id '" + transactionalId + "' cannot go from "
                    + state.kafkaName() + " to " + next.kafkaName());
        }
        return new TransactionMetadata(transactionalId, newProducerId, newPreviousProducerId, newEpoch, newLastEpoch,
                newTimeoutMs, next, newPartitions, newTxnStartMs, now);
    }

    /**
     * InitProducerId with no transaction open: the next epoch, or a new producer id at epoch 0 once the epoch
     * is exhausted ({@code nextProducerId} is only used then).
     */
    TransactionMetadata initialized(int newTimeoutMs, long nextProducerId, long now) {
        if (producerEpoch != NO_EPOCH && epochExhausted()) {
            return transitionTo(TransactionState.EMPTY, nextProducerId, producerId, (short) 0, NO_EPOCH, newTimeoutMs,
                    Set.of(), -1, now);
        }
        return transitionTo(TransactionState.EMPTY, producerId, previousProducerId, (short) (producerEpoch + 1),
                producerEpoch, newTimeoutMs, Set.of(), -1, now);
    }

    /** AddPartitionsToTxn / AddOffsetsToTxn: these partitions join the (maybe new) transaction. */
    TransactionMetadata withPartitions(Set<TopicPartition> added, long now) {
        Set<TopicPartition> all = new TreeSet<>(ORDER);
        boolean starting = state != TransactionState.ONGOING;
        if (!starting) {
            all.addAll(partitions);
        }
        all.addAll(added);
        return transitionTo(TransactionState.ONGOING, producerId, previousProducerId, producerEpoch, lastProducerEpoch,
                timeoutMs, all, starting ? now : txnStartMs, now);
    }

    /** EndTxn, or the abort after a fence: PrepareCommit or PrepareAbort with the same partitions. */
    TransactionMetadata prepared(boolean commit, long now) {
        return transitionTo(commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT, producerId,
                previousProducerId, producerEpoch, lastProducerEpoch, timeoutMs, partitions, txnStartMs, now);
    }

    /**
     * An Ongoing transaction about to be aborted because a newer incarnation arrived or it timed out: the epoch
     * is bumped (when it can be) so the abort markers fence the producer that opened it.
     */
    TransactionMetadata fenced(long now) {
        short epoch = epochExhausted() ? producerEpoch : (short) (producerEpoch + 1);
        return transitionTo(TransactionState.PREPARE_EPOCH_FENCE, producerId, previousProducerId, epoch, producerEpoch,
                timeoutMs, partitions, txnStartMs, now);
    }

    /** Every marker is written: CompleteCommit or CompleteAbort, no partitions left. */
    TransactionMetadata completed(long now) {
        TransactionState next = state == TransactionState.PREPARE_COMMIT
                ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        return transitionTo(next, producerId, previousProducerId, producerEpoch, lastProducerEpoch, timeoutMs, Set.of(),
                txnStartMs, now);
    }

    /** Expired: the tombstone's in-memory counterpart. */
    TransactionMetadata dead(long now) {
        return transitionTo(TransactionState.DEAD, producerId, previousProducerId, producerEpoch, lastProducerEpoch,
                timeoutMs, Set.of(), -1, now);
    }
}
