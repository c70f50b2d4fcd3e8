package dev.weir.log.protocol;

import dev.weir.log.storage.FileSlice;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/** Conversions between the records fields of generated messages and Weir's storage types. */
public final class WireRecords {
    private WireRecords() {}

    /** The raw batches of one partition of a produce request (shares memory with the request). */
    public static ByteBuffer producedBatches(ProduceRequestData.PartitionProduceData partition) {
        BaseRecords records = partition.records();
        if (records == null) {
            return ByteBuffer.allocate(0);
        }
        if (records instanceof MemoryRecords memory) {
            return memory.buffer().duplicate();
        }
        throw new IllegalArgumentException("produce request records are not in memory: " + records.getClass());
    }

    /** Records for a fetch response that are transferred from the segment file as they are. */
    public static BaseRecords ofSlice(FileSlice slice) {
        return slice.size() == 0 ? MemoryRecords.EMPTY : new FileSliceRecords(slice);
    }

    public static BaseRecords empty() {
        return MemoryRecords.EMPTY;
    }

    /** The bytes of records a fetch response carries, over all its partitions (what min.bytes is measured in). */
    public static int fetchedBytes(FetchResponseData response) {
        int total = 0;
        for (var topic : response.responses()) {
            for (var p : topic.partitions()) {
                total += p.records() == null ? 0 : p.records().sizeInBytes();
            }
        }
        return total;
    }
}
