package dev.weir.log.api;

import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.replica.Partition;
import dev.weir.log.replica.EpochEnd;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;

/**
 * OffsetForLeaderEpoch (KIP-101/279): where a leader epoch ends in a partition's log, answered by the leader from its
 * leader epoch history. Followers ask it to find where their log diverges from the leader's; consumers ask it to check
 * that their position survived a leader change (KIP-320). Both get the same answer: Kafka tells them apart by replica
 * id only to allow reads from followers, which Weir does not serve.
 *
 * <p>Stateless and thread-safe.
 */
final class EpochsHandler {
    /** A request's "do not check the current leader epoch". */
    private static final int NO_EPOCH = -1;

    private final PartitionLookup partitions;

    EpochsHandler(PartitionLookup partitions) {
        this.partitions = partitions;
    }

    OffsetForLeaderEpochResponseData offsetForLeaderEpoch(OffsetForLeaderEpochRequestData request) {
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (var topic : request.topics()) {
            var topicOut = new OffsetForLeaderTopicResult().setTopic(topic.topic());
            response.topics().add(topicOut);
            for (var p : topic.partitions()) {
                var out = new OffsetForLeaderEpochResponseData.EpochEndOffset().setPartition(p.partition());
                topicOut.partitions().add(out);
                try {
                    Partition partition = partitions.leader(topic.topic(), p.partition());
                    checkCurrentLeaderEpoch(partition, p.currentLeaderEpoch());
                    EpochEnd found = partition.endOffsetForEpoch(p.leaderEpoch());
                    out.setLeaderEpoch(found.epoch()).setEndOffset(found.endOffset());
                } catch (RuntimeException e) {
                    out.setErrorCode(ErrorCode.of(e))
                            .setLeaderEpoch(EpochEnd.UNDEFINED_EPOCH)
                            .setEndOffset(EpochEnd.UNDEFINED_END_OFFSET);
                }
            }
        }
        return response;
    }

    /** The asker's view of the current leader epoch must match ours, unless it sent none (v0/v1 semantics, -1). */
    private static void checkCurrentLeaderEpoch(Partition partition, int current) {
        int ours = partition.leaderEpoch();
        if (current == NO_EPOCH || current == ours) {
            return;
        }
        if (current < ours) {
            throw new FencedLeaderEpochException("current leader epoch " + current + " is older than " + ours);
        }
        throw new UnknownLeaderEpochException("current leader epoch " + current + " is newer than " + ours);
    }
}
