package dev.weir.log.txn;

import dev.weir.log.protocol.ErrorCode;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The results of the transaction coordinator's operations, independent of wire versions: the API
 * handlers translate them into responses. All types are immutable values.
 */
public final class TxnOperations {
    private TxnOperations() {}

    /** InitProducerId: the producer id and epoch to use, or an error (then both are -1). */
    public record InitResult(ErrorCode error, long producerId, short producerEpoch) {
        static InitResult error(ErrorCode error) {
            return new InitResult(error, TransactionMetadata.NO_PRODUCER_ID, TransactionMetadata.NO_EPOCH);
        }
    }

    /** DescribeTransactions of one transactional id; {@code startMs} is -1 without an open transaction. */
    public record TransactionDescription(String transactionalId, ErrorCode error, String state, int timeoutMs,
                                         long startMs, long producerId, short producerEpoch,
                                         Set<TopicPartition> partitions) {
        static TransactionDescription error(String transactionalId, ErrorCode error) {
            return new TransactionDescription(transactionalId, error, "", 0, -1, -1, (short) -1, Set.of());
        }
    }

    /** ListTransactions: one transactional id. */
    public record TransactionListing(String transactionalId, long producerId, String state) {}

    /**
     * ListTransactions: the ids that pass the filters, the state filters that name no state, and
     * COORDINATOR_LOAD_IN_PROGRESS when some shard was still loading.
     */
    public record ListResult(ErrorCode error, List<String> unknownStates, List<TransactionListing> transactions) {}
}
