package dev.weir.log.storage;

import org.apache.kafka.common.errors.CorruptRecordException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class RecordBatchHeaderTest {

    @Test
    void parsesEveryFieldWithoutMovingTheBuffer() {
        ByteBuffer b = TestBatches.batch(4, 77L, (short) 3, 12, 1000L, 10);
        RecordBatchHeader h = RecordBatchHeader.parse(b);

        assertEquals(0, b.position());
        assertEquals(b.remaining(), h.sizeInBytes());
        assertEquals(RecordBatchHeader.MAGIC_V2, h.magic());
        assertEquals(3, h.lastOffsetDelta());
        assertEquals(1000L, h.baseTimestamp());
        assertEquals(1003L, h.maxTimestamp());
        assertEquals(77L, h.producerId());
        assertEquals(3, h.producerEpoch());
        assertEquals(12, h.baseSequence());
        assertEquals(15, h.lastSequence());
        assertEquals(4, h.recordsCount());
        assertEquals(0, h.compressionCodec());
        assertFalse(h.isTransactional() || h.isControl() || h.isLogAppendTime());
        assertTrue(h.isCrcValid(b));
    }

    @Test
    void offsetAndEpochAreOutsideTheCrcButTimestampsAreCovered() {
        ByteBuffer b = TestBatches.batch(2, 1000L);
        RecordBatchHeader.setBaseOffset(b, 0, 123);
        RecordBatchHeader.setPartitionLeaderEpoch(b, 0, 9);
        assertTrue(RecordBatchHeader.parse(b).isCrcValid(b));
        assertEquals(124, RecordBatchHeader.parse(b).lastOffset());

        b.putLong(RecordBatchHeader.MAX_TIMESTAMP_OFFSET, 5);
        assertFalse(RecordBatchHeader.parse(b).isCrcValid(b));
    }

    @Test
    void setLogAppendTimeSetsTheFlagAndMaxTimestampAndRewritesTheCrc() {
        ByteBuffer b = TestBatches.batch(2, 1000L);
        RecordBatchHeader.setLogAppendTime(b, 0, 5555L);
        RecordBatchHeader h = RecordBatchHeader.parse(b);
        assertTrue(h.isLogAppendTime());
        assertEquals(5555L, h.maxTimestamp());
        assertEquals(1000L, h.baseTimestamp());
        assertTrue(h.isCrcValid(b));
    }

    @Test
    void truncatedHeaderIsCorrupt() {
        ByteBuffer b = TestBatches.batch(1, 0);
        b.limit(RecordBatchHeader.HEADER_SIZE - 1);
        assertThrows(CorruptRecordException.class, () -> RecordBatchHeader.parse(b));
    }
}
