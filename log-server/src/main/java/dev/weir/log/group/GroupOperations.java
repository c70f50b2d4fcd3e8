package dev.weir.log.group;

import dev.weir.log.protocol.ErrorCode;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The inputs and outputs of the coordinator's operations, independent of wire versions: the API
 * handlers translate requests into these and results into responses. Byte arrays are protocol
 * metadata and assignments, opaque to the coordinator. All types are immutable values.
 */
public final class GroupOperations {
    private GroupOperations() {}

    /** One protocol a joining member supports, most preferred first in {@link JoinParams#protocols}. */
    public record Protocol(String name, byte[] metadata) {}

    /**
     * A JoinGroup.
     *
     * @param memberId             "" for a member joining for the first time
     * @param groupInstanceId      null for a dynamic member
     * @param rebalanceTimeoutMs   the session timeout when the request version has no rebalance timeout
     * @param requireKnownMemberId JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED with its id
     */
    public record JoinParams(String groupId, String memberId, String groupInstanceId, String clientId, String clientHost,
                             int sessionTimeoutMs, int rebalanceTimeoutMs, String protocolType, List<Protocol> protocols,
                             boolean requireKnownMemberId) {}

    /** A member as the leader sees it in its JoinGroup response. */
    public record JoinedMember(String memberId, String groupInstanceId, byte[] metadata) {}

    /**
     * A JoinGroup answer. {@code members} is filled for the leader only; {@code skipAssignment} tells a
     * static leader that rejoined a stable group not to compute a new assignment.
     */
    public record JoinResult(ErrorCode error, int generationId, String protocolType, String protocolName,
                             String leaderId, String memberId, boolean skipAssignment, List<JoinedMember> members) {
        static JoinResult error(ErrorCode error, String memberId) {
            return new JoinResult(error, -1, null, null, "", memberId, false, List.of());
        }
    }

    /** A SyncGroup; {@code protocolType} and {@code protocolName} are null before v5. */
    public record SyncParams(String groupId, int generationId, String memberId, String groupInstanceId,
                             String protocolType, String protocolName, Map<String, byte[]> assignments) {}

    public record SyncResult(ErrorCode error, String protocolType, String protocolName, byte[] assignment) {
        static SyncResult error(ErrorCode error) {
            return new SyncResult(error, null, null, new byte[0]);
        }
    }

    /** One member leaving: by member id, or by instance id for a static member (member id may then be ""). */
    public record LeavingMember(String memberId, String groupInstanceId) {}

    public record LeaveResult(ErrorCode error, List<LeftMember> members) {}

    public record LeftMember(String memberId, String groupInstanceId, ErrorCode error) {}

    /** One partition of an OffsetCommit; {@code leaderEpoch} -1 when unknown, {@code metadata} may be null. */
    public record PartitionCommit(TopicPartition partition, long offset, int leaderEpoch, String metadata) {}

    /** An OffsetCommit; generation -1 with member "" is a commit from outside group management (admin, assign()). */
    public record CommitParams(String groupId, int generationId, String memberId, String groupInstanceId,
                               List<PartitionCommit> partitions, boolean groupIdNotFoundIsAnError) {}

    /** A committed offset as stored. */
    public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {}

    /**
     * TxnOffsetCommit: offsets committed inside the transaction of {@code transactionalId}, by its producer;
     * generation -1 with member "" commits from outside group management.
     */
    public record TxnCommitParams(String transactionalId, String groupId, long producerId, short producerEpoch,
                                  int generationId, String memberId, String groupInstanceId,
                                  List<PartitionCommit> partitions) {}

    /**
     * OffsetFetch of one group: a group-level error, or the offsets asked for (all when the request named none).
     * With require_stable, {@code unstable} names the partitions whose offset an open transaction may still
     * change (they answer UNSTABLE_OFFSET_COMMIT and the client retries).
     */
    public record FetchResult(ErrorCode error, Map<TopicPartition, CommittedOffset> offsets,
                              java.util.Set<TopicPartition> unstable) {
        public FetchResult(ErrorCode error, Map<TopicPartition, CommittedOffset> offsets) {
            this(error, offsets, java.util.Set.of());
        }
    }

    /** OffsetDelete: a group-level error, or an error per partition. */
    public record OffsetDeleteResult(ErrorCode error, Map<TopicPartition, ErrorCode> partitions) {}

    public record MemberDescription(String memberId, String groupInstanceId, String clientId, String clientHost,
                                    byte[] metadata, byte[] assignment) {}

    /** DescribeGroups of one group; an unknown group is reported as {@code Dead} with GROUP_ID_NOT_FOUND. */
    public record GroupDescription(String groupId, ErrorCode error, String state, String protocolType, String protocolName,
                                   List<MemberDescription> members) {}

    /** ListGroups: one group. */
    public record GroupListing(String groupId, String protocolType, String state) {}

    /** ListGroups: the groups, and COORDINATOR_LOAD_IN_PROGRESS when some shard was still loading. */
    public record ListResult(ErrorCode error, List<GroupListing> groups) {}
}
