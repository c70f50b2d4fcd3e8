package dev.weir.log.protocol;

import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;

/** COMMIT/ABORT control batches for tests that stand in for the partition side of transactions. */
public final class TestMarkers {
    private TestMarkers() {}

    /** One control batch at {@code offset} ending the producer's transaction. */
    public static ByteBuffer marker(long offset, long producerId, short producerEpoch, boolean commit,
                                    int coordinatorEpoch, long timestampMs) {
        return MemoryRecords.withEndTransactionMarker(offset, timestampMs, 0, producerId, producerEpoch,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch))
                .buffer();
    }
}
