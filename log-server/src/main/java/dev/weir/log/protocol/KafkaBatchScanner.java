package dev.weir.log.protocol;

import dev.weir.log.storage.BatchRecordScanner;
import dev.weir.log.storage.TimestampOffset;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/** Looks inside a stored batch (decompressing it when needed) with kafka-clients' record classes. */
public final class KafkaBatchScanner implements BatchRecordScanner {
    @Override
    public Optional<TimestampOffset> firstAtOrAfter(ByteBuffer batch, long targetTimestamp, long minOffset) {
        for (MutableRecordBatch b : MemoryRecords.readableRecords(batch.slice()).batches()) {
            for (Record r : b) {
                if (r.offset() >= minOffset && r.timestamp() >= targetTimestamp) {
                    return Optional.of(new TimestampOffset(r.timestamp(), r.offset()));
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<TimestampOffset> maxTimestampRecord(ByteBuffer batch) {
        TimestampOffset best = null;
        for (MutableRecordBatch b : MemoryRecords.readableRecords(batch.slice()).batches()) {
            for (Record r : b) {
                if (best == null || r.timestamp() > best.timestamp()) {
                    best = new TimestampOffset(r.timestamp(), r.offset());
                }
            }
        }
        return Optional.ofNullable(best);
    }
}
