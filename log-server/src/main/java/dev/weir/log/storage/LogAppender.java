package dev.weir.log.storage;

import org.apache.kafka.common.InvalidRecordException;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * Prepares an append without writing anything, as Kafka's {@code UnifiedLog.analyzeAndValidateRecords} and
 * {@code LogValidator}: validates the batches ({@link BatchValidator}), works out their offsets and the producer state
 * update they make (sequence and epoch checks, duplicate detection, transaction markers), and stamps the leader's
 * batches with their offsets, leader epoch and append time. {@link PartitionLog} then records the leader epoch,
 * writes through {@link LocalLog#append} and commits the update; a check that fails here leaves the log untouched.
 * Called under the log lock (it reads the producer state).
 */
final class LogAppender {

    private LogAppender() {
    }

    /** What an append does: write batches, or answer without writing. */
    sealed interface Prepared permits Write, Answer {
    }

    /**
     * Batches to write, with offsets {@code firstOffset} to {@code nextOffset - 1}, and the producer state update to
     * commit once they are written.
     */
    record Write(List<RecordBatchHeader> headers, long firstOffset, long nextOffset, long maxTimestamp, int count,
                 ProducerStateManager.Update update) implements Prepared {
    }

    /** Nothing to write: no batches, or an idempotent retry (the answer has the original append's offsets). */
    record Answer(LogAppendInfo info) implements Prepared {
    }

    private static Answer empty(LogView v) {
        return new Answer(new LogAppendInfo(-1L, -1L, RecordBatchHeader.NO_TIMESTAMP, v.logStartOffset(), 0, false));
    }

    /**
     * Batches from a producer (or a coordinator), offsets to be assigned from the log end offset of {@code v}; see
     * {@link PartitionLog#appendAsLeader(ByteBuffer, int, AppendOrigin)} for the checks.
     *
     * @param now the append time under {@code message.timestamp.type=LogAppendTime}
     */
    static Prepared forLeader(ByteBuffer records, AppendOrigin origin, LogConfig cfg, ProducerStateManager producerState,
                              LogView v, long now) {
        List<RecordBatchHeader> headers = BatchValidator.validateForLeader(records, cfg, origin);
        if (headers.isEmpty()) {
            return empty(v);
        }
        ProducerStateManager.Update update = producerState.newUpdate();
        long firstOffset = v.logEndOffset();
        long next = firstOffset;
        long maxTimestamp = RecordBatchHeader.NO_TIMESTAMP;
        int count = 0;
        int batchPosition = records.position();
        for (RecordBatchHeader h : headers) {
            long last = next + h.lastOffsetDelta();
            long timestamp = cfg.logAppendTime() ? now : h.maxTimestamp();
            if (h.isControl()) {
                TxnMarker marker = TxnMarker.parse(records, batchPosition, h).orElseThrow(() ->
                        new InvalidRecordException("Control batch of producer " + h.producerId()
                                + " is not a COMMIT or ABORT marker"));
                update.appendMarker(h, marker, next, timestamp, true);
            } else if (h.hasProducerId() && origin == AppendOrigin.COORDINATOR) {
                // Coordinator batches (transactional offset commits) reuse sequence 0: epoch check only, as Kafka.
                update.appendForCoordinator(h, next, last, timestamp);
            } else if (h.hasProducerId()) {
                Optional<BatchMetadata> duplicate = update.findDuplicate(h);
                if (duplicate.isPresent()) {
                    BatchMetadata d = duplicate.get();
                    return new Answer(new LogAppendInfo(d.firstOffset(), d.lastOffset(), RecordBatchHeader.NO_TIMESTAMP,
                            v.logStartOffset(), (int) (d.lastOffset() - d.firstOffset() + 1), true));
                }
                update.appendAsLeader(h, next, last, timestamp);
            }
            maxTimestamp = Math.max(maxTimestamp, timestamp);
            count += h.recordsCount();
            next = last + 1;
            batchPosition += h.sizeInBytes();
        }
        return new Write(headers, firstOffset, next, maxTimestamp, count, update);
    }

    /**
     * Stamps the batches of {@code write} with their offsets, {@code leaderEpoch} and (LogAppendTime) {@code now}:
     * in place, or in a copy if {@code records} is read-only.
     *
     * @return the buffer to write
     */
    static ByteBuffer stamp(ByteBuffer records, Write write, int leaderEpoch, LogConfig cfg, long now) {
        ByteBuffer buffer = records.isReadOnly() ? copyOf(records) : records;
        int position = buffer.position();
        long offset = write.firstOffset();
        for (RecordBatchHeader h : write.headers()) {
            RecordBatchHeader.setBaseOffset(buffer, position, offset);
            RecordBatchHeader.setPartitionLeaderEpoch(buffer, position, leaderEpoch);
            if (cfg.logAppendTime()) {
                RecordBatchHeader.setLogAppendTime(buffer, position, now);
            }
            offset += h.lastOffsetDelta() + 1L;
            position += h.sizeInBytes();
        }
        return buffer;
    }

    private static ByteBuffer copyOf(ByteBuffer records) {
        ByteBuffer copy = ByteBuffer.allocate(records.remaining());
        copy.put(records.duplicate()).flip();
        return copy;
    }

    /**
     * Batches replicated from the leader, offsets already assigned; see {@link PartitionLog#appendAsFollower}. Their
     * producer state is applied without checks: the leader made them.
     */
    static Prepared forFollower(ByteBuffer records, LogConfig cfg, ProducerStateManager producerState, LogView v) {
        List<RecordBatchHeader> headers = BatchValidator.validateForFollower(records, v.logEndOffset(), cfg);
        if (headers.isEmpty()) {
            return empty(v);
        }
        ProducerStateManager.Update update = producerState.newUpdate();
        long maxTimestamp = RecordBatchHeader.NO_TIMESTAMP;
        int count = 0;
        int batchPosition = records.position();
        for (RecordBatchHeader h : headers) {
            if (h.hasProducerId() && h.isControl()) {
                Optional<TxnMarker> marker = TxnMarker.parse(records, batchPosition, h);
                if (marker.isPresent()) {
                    update.appendMarker(h, marker.get(), h.baseOffset(), h.maxTimestamp(), false);
                }
            } else if (h.hasProducerId()) {
                update.appendUnchecked(h, h.baseOffset(), h.lastOffset(), h.maxTimestamp());
            }
            maxTimestamp = Math.max(maxTimestamp, h.maxTimestamp());
            count += h.recordsCount();
            batchPosition += h.sizeInBytes();
        }
        return new Write(headers, headers.get(0).baseOffset(), headers.get(headers.size() - 1).lastOffset() + 1,
                maxTimestamp, count, update);
    }
}
