package dev.weir.log.coordinator;

import dev.weir.log.protocol.ErrorCode;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The error a coordinator's client gets when a write to its internal topic failed, as Kafka's group and transaction
 * coordinators translate the append error: the internal partition lacking replicas (NOT_ENOUGH_REPLICAS, also under
 * {@code min.insync.replicas}) or gone means COORDINATOR_NOT_AVAILABLE (retry here), lost leadership or a storage
 * error NOT_COORDINATOR (look the coordinator up again); a too-large record and a timeout get what the calling
 * operation says, as they differ between Kafka's operations.
 */
public final class CoordinatorErrors {
    private CoordinatorErrors() {
    }

    /**
     * @param tooLarge what a record too large for the partition becomes (e.g. INVALID_COMMIT_OFFSET_SIZE for an offset
     *                 commit)
     * @param timedOut what a write the ISR did not acknowledge in time becomes (e.g. REQUEST_TIMED_OUT for an offset
     *                 commit, REBALANCE_IN_PROGRESS for a group's assignment, COORDINATOR_NOT_AVAILABLE for a
     *                 transaction's state)
     */
    public static ErrorCode ofWrite(Throwable failure, ErrorCode tooLarge, ErrorCode timedOut) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof NotEnoughReplicasException || cause instanceof NotEnoughReplicasAfterAppendException
                || cause instanceof UnknownTopicOrPartitionException) {
            return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        }
        if (cause instanceof NotLeaderOrFollowerException || cause instanceof KafkaStorageException) {
            return ErrorCode.NOT_COORDINATOR;
        }
        if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException) {
            return tooLarge;
        }
        if (cause instanceof TimeoutException || cause instanceof java.util.concurrent.TimeoutException) {
            return timedOut;
        }
        return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
}
