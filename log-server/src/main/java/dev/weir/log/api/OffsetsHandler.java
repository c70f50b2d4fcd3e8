package dev.weir.log.api;

import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.RequestContext;
import dev.weir.log.replica.Partition;
import dev.weir.log.replica.TimestampAndOffset;
import java.util.Optional;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;

/** ListOffsets (earliest, latest, by timestamp, max timestamp) and DeleteRecords. */
final class OffsetsHandler {
    /** ListOffsets' special timestamps. */
    static final long LATEST = -1L;
    static final long EARLIEST = -2L;
    static final long MAX_TIMESTAMP = -3L;
    static final long EARLIEST_LOCAL = -4L;
    static final long LATEST_TIERED = -5L;
    static final long EARLIEST_PENDING_UPLOAD = -6L;
    private static final byte READ_COMMITTED = 1;
    /** DeleteRecords' "up to the high watermark". */
    private static final long HIGH_WATERMARK = -1L;

    private final PartitionLookup partitions;

    OffsetsHandler(PartitionLookup partitions) {
        this.partitions = partitions;
    }

    /** ListOffsets versions before 4 have no leader epoch field. */
    private static final short FIRST_VERSION_WITH_LEADER_EPOCH = 4;

    ListOffsetsResponseData listOffsets(RequestContext ctx, ListOffsetsRequestData request) {
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        for (var topic : request.topics()) {
            var topicOut = new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(topic.name());
            response.topics().add(topicOut);
            for (var p : topic.partitions()) {
                ListOffsetsPartitionResponse out = new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex());
                topicOut.partitions().add(out);
                try {
                    Partition partition = partitions.leader(topic.name(), p.partitionIndex());
                    long visibleEnd = request.isolationLevel() == READ_COMMITTED
                            ? partition.lastStableOffset() : partition.highWatermark();
                    TimestampAndOffset found = lookup(partition, p.timestamp(), visibleEnd)
                            .orElse(new TimestampAndOffset(-1L, -1L));
                    out.setTimestamp(found.timestamp()).setOffset(found.offset());
                    if (ctx.apiVersion() >= FIRST_VERSION_WITH_LEADER_EPOCH) {
                        out.setLeaderEpoch(partition.leaderEpoch());
                    }
                } catch (RuntimeException e) {
                    out.setErrorCode(ErrorCode.of(e)).setTimestamp(-1L).setOffset(-1L);
                }
            }
        }
        return response;
    }

    private Optional<TimestampAndOffset> lookup(Partition partition, long timestamp, long visibleEnd) {
        long start = partition.logStartOffset();
        if (timestamp == LATEST) {
            return Optional.of(new TimestampAndOffset(-1L, visibleEnd));
        }
        if (timestamp == EARLIEST || timestamp == EARLIEST_LOCAL) {
            return Optional.of(new TimestampAndOffset(-1L, start));
        }
        if (timestamp == LATEST_TIERED || timestamp == EARLIEST_PENDING_UPLOAD) {
            // No tiered storage: nothing is tiered or waiting to be.
            return Optional.empty();
        }
        // Records at or above the visible end do not exist yet for this client.
        Optional<TimestampAndOffset> found = timestamp == MAX_TIMESTAMP
                ? partition.maxTimestampOffset()
                : partition.offsetForTimestamp(timestamp);
        return found.filter(t -> t.offset() < visibleEnd);
    }

    DeleteRecordsResponseData deleteRecords(DeleteRecordsRequestData request) {
        DeleteRecordsResponseData response = new DeleteRecordsResponseData();
        for (var topic : request.topics()) {
            var topicOut = new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(topic.name());
            response.topics().add(topicOut);
            for (var p : topic.partitions()) {
                var out = new DeleteRecordsResponseData.DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex());
                topicOut.partitions().add(out);
                try {
                    Partition partition = partitions.leader(topic.name(), p.partitionIndex());
                    long hw = partition.highWatermark();
                    long offset = p.offset() == HIGH_WATERMARK ? hw : p.offset();
                    if (offset < 0 || offset > hw) {
                        throw new OffsetOutOfRangeException("cannot delete records before offset " + p.offset()
                                + " of " + topic.name() + "-" + p.partitionIndex() + ": it must be between 0 and the high "
                                + "watermark " + hw);
                    }
                    partition.deleteRecordsBefore(offset);
                    partitions.replicas().onLogStartMoved(partition);
                    out.setLowWatermark(partition.logStartOffset());
                } catch (RuntimeException e) {
                    out.setErrorCode(ErrorCode.of(e)).setLowWatermark(-1L);
                }
            }
        }
        return response;
    }
}
