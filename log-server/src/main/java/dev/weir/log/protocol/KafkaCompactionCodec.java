package dev.weir.log.protocol;

import dev.weir.log.storage.CompactionCodec;
import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * Compaction's record-level work with kafka-clients: reads keys with the batch iterators and rewrites batches with
 * {@link MemoryRecords#filterTo}, the routine Kafka's own log cleaner uses (it keeps unchanged batches byte for byte,
 * rebuilds the others with the original base offset and producer fields, and stamps the delete horizon on batches
 * keeping tombstones). Stateless and thread-safe.
 */
public final class KafkaCompactionCodec implements CompactionCodec {

    @Override
    public void forEachRecord(ByteBuffer batches, RecordVisitor visitor) {
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.slice()).batches()) {
            if (batch.isControlBatch()) {
                continue;
            }
            try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
                while (records.hasNext()) {
                    Record r = records.next();
                    visitor.record(r.hasKey() ? r.key() : null, r.offset(), !r.hasValue());
                }
            }
        }
    }

    @Override
    public ByteBuffer filter(ByteBuffer batches, RecordRetention retention, long nowMs, long deleteRetentionMs) {
        MemoryRecords.RecordFilter filter = new MemoryRecords.RecordFilter(nowMs, deleteRetentionMs) {
            @Override
            protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
                if (batch.isControlBatch()) {
                    return new BatchRetentionResult(BatchRetention.RETAIN_EMPTY, false);
                }
                boolean keepEmpty = batch.hasProducerId() && retention.keepEmptyBatch(batch.producerId(), batch.lastOffset());
                return new BatchRetentionResult(keepEmpty ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY,
                        false);
            }

            @Override
            protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
                if (batch.isControlBatch()) {
                    return true;
                }
                return retention.retain(record.hasKey() ? record.key() : null, record.offset(), !record.hasValue(),
                        batch.deleteHorizonMs().orElse(-1L));
            }
        };
        ByteBuffer output = ByteBuffer.allocate(Math.max(batches.remaining(), 64));
        ByteBuffer input = batches.slice();
        // filterTo returns early when a rewritten batch outgrew the output buffer: go on from where it stopped.
        while (input.hasRemaining()) {
            ByteBuffer destination = ByteBuffer.allocate(Math.max(input.remaining(), 64));
            MemoryRecords.FilterResult result = MemoryRecords.readableRecords(input.slice())
                    .filterTo(filter, destination, BufferSupplier.NO_CACHING, Integer.MAX_VALUE);
            if (result.bytesRead() <= 0) {
                throw new IllegalStateException("filtering made no progress at byte " + input.position());
            }
            ByteBuffer written = result.outputBuffer().flip();
            if (output.remaining() < written.remaining()) {
                ByteBuffer larger = ByteBuffer.allocate(output.position() + written.remaining() + input.remaining());
                output.flip();
                larger.put(output);
                output = larger;
            }
            output.put(written);
            input.position(input.position() + result.bytesRead());
        }
        return output.flip();
    }
}
