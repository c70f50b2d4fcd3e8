package dev.weir.log.txn;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a transactional id, as in Kafka's classic (KIP-98) transaction protocol. Transitions
 * (anything else is a bug and throws in {@link TransactionMetadata#transitionTo}):
 *
 * <pre>
 * from                 to                 when
 * (none)/Empty/        Empty              InitProducerId: a new producer id, or the epoch bumped (a new producer
 *   CompleteCommit/                       incarnation fences the older ones); no transaction is open
 *   CompleteAbort
 * Empty/Ongoing/       Ongoing            AddPartitionsToTxn or AddOffsetsToTxn adds partitions (from a state
 *   CompleteCommit/                       without a transaction: a new transaction starts, its timeout runs)
 *   CompleteAbort
 * Ongoing              PrepareCommit      EndTxn(commit); markers go out once the record is replicated
 * Ongoing              PrepareAbort       EndTxn(abort)
 * Ongoing              PrepareEpochFence  InitProducerId from a new incarnation, or the transaction timed out:
 *                                         the epoch is bumped (in memory only, never written) ...
 * PrepareEpochFence    PrepareAbort       ... and the transaction aborts at the bumped epoch, so the markers
 *                                         fence the old incarnation on every partition
 * PrepareCommit        CompleteCommit     every partition leader wrote the COMMIT marker (or the partition is gone)
 * PrepareAbort         CompleteAbort      every partition leader wrote the ABORT marker (or the partition is gone)
 * Empty/CompleteCommit/Dead               the transactional id expired (transactional.id.expiration.ms): a
 *   CompleteAbort                         tombstone removes it
 * Dead                 (none)
 * </pre>
 *
 * While a transition's record is being written (and replicated) the transactional id has a pending
 * transition: other requests for it get CONCURRENT_TRANSACTIONS, as do InitProducerId, AddPartitionsToTxn
 * and AddOffsetsToTxn while the id is in PrepareCommit or PrepareAbort. {@link #kafkaName()} is Kafka's name
 * (DescribeTransactions, ListTransactions); {@link #id()} is the byte stored in {@code __transaction_state}.
 */
public enum TransactionState {
    EMPTY("Empty", 0),
    ONGOING("Ongoing", 1),
    PREPARE_COMMIT("PrepareCommit", 2),
    PREPARE_ABORT("PrepareAbort", 3),
    COMPLETE_COMMIT("CompleteCommit", 4),
    COMPLETE_ABORT("CompleteAbort", 5),
    DEAD("Dead", 6),
    PREPARE_EPOCH_FENCE("PrepareEpochFence", 7);

    private final String kafkaName;
    private final byte id;

    TransactionState(String kafkaName, int id) {
        this.kafkaName = kafkaName;
        this.id = (byte) id;
    }

    public String kafkaName() {
        return kafkaName;
    }

    byte id() {
        return id;
    }

    /** The states a transactional id may be in just before it enters this one. */
    Set<TransactionState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(EMPTY, ONGOING, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT -> EnumSet.of(ONGOING);
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
            case DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
        };
    }

    /** True while a transaction is open or being completed: it has partitions that await a marker. */
    boolean inTransaction() {
        return this == ONGOING || this == PREPARE_COMMIT || this == PREPARE_ABORT || this == PREPARE_EPOCH_FENCE;
    }

    /** The state stored as {@code id}. */
    static TransactionState ofId(byte id) {
        for (TransactionState s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown transaction state id " + id);
    }

    /** The state named {@code name} (Kafka's spelling, case-insensitive), or null. */
    static TransactionState byKafkaName(String name) {
        for (TransactionState s : values()) {
            if (s.kafkaName.equalsIgnoreCase(name)) {
                return s;
            }
        }
        return null;
    }
}
