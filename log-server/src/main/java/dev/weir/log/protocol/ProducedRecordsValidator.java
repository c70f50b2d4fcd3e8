package dev.weir.log.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * Checks that the records inside produced batches agree with their headers, as Kafka's LogValidator
 * does: each batch holds exactly the number of records it declares, and they (and, for compressed
 * batches, the compressed stream) decode. Storage only checks headers and CRCs, so without this a
 * producer could store a batch whose CRC is right but whose records are not, and every consumer of
 * the partition would fail on it. On a compacted topic every record must have a key, as in Kafka.
 * Stateless and thread-safe.
 */
public final class ProducedRecordsValidator {
    private ProducedRecordsValidator() {}

    /**
     * @throws InvalidRecordException (INVALID_RECORD) when a batch's records contradict its header.
     *         Batches with bad framing, magic or CRC are left to storage, which refuses them with the
     *         precise error (CORRUPT_MESSAGE, ...).
     */
    public static void validate(ByteBuffer batches) {
        validate(batches, null);
    }

    /**
     * As {@link #validate(ByteBuffer)}, and for a compacted topic also refuses records without a key.
     *
     * @param compactedPartition the partition ("topic-N") when its topic is compacted, else null
     * @throws InvalidRecordException (INVALID_RECORD) as Kafka's LogValidator words it for a keyless record
     */
    public static void validate(ByteBuffer batches, String compactedPartition) {
        List<MutableRecordBatch> checked = new ArrayList<>();
        try {
            for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.duplicate()).batches()) {
                if (batch.magic() != RecordBatch.MAGIC_VALUE_V2 || !batch.isValid()) {
                    return;
                }
                checked.add(batch);
            }
        } catch (RuntimeException framingError) {
            return;
        }
        for (MutableRecordBatch batch : checked) {
            Integer declared = batch.countOrNull();
            int count = 0;
            try (CloseableIterator<Record> records = batch.skipKeyValueIterator(BufferSupplier.NO_CACHING)) {
                while (records.hasNext()) {
                    Record record = records.next();
                    if (compactedPartition != null && !record.hasKey()) {
                        throw new InvalidRecordException("Compacted topic cannot accept message without key in topic "
                                + "partition " + compactedPartition + ".");
                    }
                    count++;
                }
            } catch (InvalidRecordException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new InvalidRecordException("Record batch at offset " + batch.baseOffset()
                        + " has records that cannot be read: " + e.getMessage());
            }
            if (declared == null || count != declared) {
                throw new InvalidRecordException("Record batch at offset " + batch.baseOffset() + " declares "
                        + declared + " records but holds " + count);
            }
        }
    }
}
