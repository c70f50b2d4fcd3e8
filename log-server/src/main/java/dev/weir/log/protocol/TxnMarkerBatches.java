package dev.weir.log.protocol;

import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * End-transaction markers (KIP-98): the control batch a partition leader appends when a transaction coordinator
 * commits or aborts a transaction (WriteTxnMarkers). One uncompressed, transactional, control v2 batch holding one
 * record whose key is the control type (COMMIT or ABORT) and whose value carries the coordinator epoch, built with
 * kafka-clients so its bytes are exactly Kafka's. Offsets and the leader epoch are assigned by the log. Stateless.
 */
public final class TxnMarkerBatches {
    private TxnMarkerBatches() {}

    /**
     * @param committed        COMMIT if true, ABORT otherwise
     * @param coordinatorEpoch epoch of the coordinator's {@code __transaction_state} partition
     */
    public static ByteBuffer endTxnMarker(long producerId, short producerEpoch, int coordinatorEpoch, boolean committed,
                                          long timestampMs) {
        EndTransactionMarker marker = new EndTransactionMarker(
                committed ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch);
        return MemoryRecords.withEndTransactionMarker(0L, timestampMs, RecordBatch.NO_PARTITION_LEADER_EPOCH,
                producerId, producerEpoch, marker).buffer();
    }
}
