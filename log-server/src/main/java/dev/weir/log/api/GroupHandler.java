package dev.weir.log.api;

import dev.weir.log.coordinator.Coordinator;
import dev.weir.log.group.GroupCoordinator;
import dev.weir.log.group.GroupOperations.GroupDescription;
import dev.weir.log.group.GroupOperations.GroupListing;
import dev.weir.log.group.GroupOperations.JoinParams;
import dev.weir.log.group.GroupOperations.JoinResult;
import dev.weir.log.group.GroupOperations.JoinedMember;
import dev.weir.log.group.GroupOperations.LeaveResult;
import dev.weir.log.group.GroupOperations.LeavingMember;
import dev.weir.log.group.GroupOperations.LeftMember;
import dev.weir.log.group.GroupOperations.ListResult;
import dev.weir.log.group.GroupOperations.MemberDescription;
import dev.weir.log.group.GroupOperations.Protocol;
import dev.weir.log.group.GroupOperations.SyncParams;
import dev.weir.log.group.GroupOperations.SyncResult;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.RequestContext;
import dev.weir.log.txn.TransactionCoordinator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, ListGroups, DescribeGroups and
 * DeleteGroups: translates each request version into a {@link GroupCoordinator} operation and its
 * result back into that version's response (fields a version lacks are never set).
 *
 * <p>FindCoordinator key type 1 (transactions) is answered by the {@link TransactionCoordinator}. Key
 * type 2 (share groups) is answered UNSUPPORTED_VERSION with a message: clients fail fast with a clear
 * error instead of retrying COORDINATOR_NOT_AVAILABLE forever. Other key types are INVALID_REQUEST.
 */
final class GroupHandler {
    private static final byte GROUP_KEY = 0;
    private static final byte TRANSACTION_KEY = 1;
    private static final byte SHARE_KEY = 2;

    private final GroupCoordinator groups;
    private final TransactionCoordinator txns;

    GroupHandler(GroupCoordinator groups, TransactionCoordinator txns) {
        this.groups = groups;
        this.txns = txns;
    }

    FindCoordinatorResponseData findCoordinator(RequestContext ctx, FindCoordinatorRequestData request) {
        short version = ctx.apiVersion();
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        List<String> keys = version >= 4 ? request.coordinatorKeys() : List.of(request.key());
        for (String key : keys) {
            Coordinator c = coordinator(request.keyType(), key);
            if (version >= 4) {
                response.coordinators().add(new FindCoordinatorResponseData.Coordinator()
                        .setKey(key).setErrorCode(c.error().code()).setErrorMessage(c.message())
                        .setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port()));
            } else {
                response.setErrorCode(c.error().code()).setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port());
                if (version >= 1) {
                    response.setErrorMessage(c.message());
                }
            }
        }
        return response;
    }

    private Coordinator coordinator(byte keyType, String key) {
        return switch (keyType) {
            case GROUP_KEY -> groups.findGroupCoordinator(key);
            case TRANSACTION_KEY -> txns.findCoordinator(key);
            case SHARE_KEY -> new Coordinator(ErrorCode.UNSUPPORTED_VERSION,
                    "this broker does not support share groups", -1, "", -1);
            default -> new Coordinator(ErrorCode.INVALID_REQUEST, "unknown coordinator key type " + keyType, -1, "", -1);
        };
    }

    CompletableFuture<JoinGroupResponseData> joinGroup(RequestContext ctx, JoinGroupRequestData request) {
        short version = ctx.apiVersion();
        List<Protocol> protocols = new ArrayList<>();
        request.protocols().forEach(p -> protocols.add(new Protocol(p.name(), p.metadata())));
        JoinParams params = new JoinParams(request.groupId(), request.memberId(),
                version >= 5 ? request.groupInstanceId() : null, ctx.clientId(), clientHost(ctx),
                request.sessionTimeoutMs(), version >= 1 ? request.rebalanceTimeoutMs() : request.sessionTimeoutMs(),
                request.protocolType(), protocols, version >= 4);
        return groups.join(params).thenApply(r -> joinResponse(r, version));
    }

    private static JoinGroupResponseData joinResponse(JoinResult r, short version) {
        JoinGroupResponseData out = new JoinGroupResponseData()
                .setErrorCode(r.error().code())
                .setGenerationId(r.generationId())
                .setProtocolName(r.protocolName() == null && version < 7 ? "" : r.protocolName())
                .setLeader(r.leaderId() == null ? "" : r.leaderId())
                .setMemberId(r.memberId() == null ? "" : r.memberId());
        if (version >= 7) {
            out.setProtocolType(r.protocolType());
        }
        if (version >= 9) {
            out.setSkipAssignment(r.skipAssignment());
        }
        for (JoinedMember m : r.members()) {
            JoinGroupResponseData.JoinGroupResponseMember member = new JoinGroupResponseData.JoinGroupResponseMember()
                    .setMemberId(m.memberId()).setMetadata(m.metadata() == null ? new byte[0] : m.metadata());
            if (version >= 5) {
                member.setGroupInstanceId(m.groupInstanceId());
            }
            out.members().add(member);
        }
        return out;
    }

    CompletableFuture<SyncGroupResponseData> syncGroup(RequestContext ctx, SyncGroupRequestData request) {
        short version = ctx.apiVersion();
        Map<String, byte[]> assignments = new HashMap<>();
        request.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
        SyncParams params = new SyncParams(request.groupId(), request.generationId(), request.memberId(),
                version >= 3 ? request.groupInstanceId() : null, version >= 5 ? request.protocolType() : null,
                version >= 5 ? request.protocolName() : null, assignments);
        return groups.sync(params).thenApply(r -> syncResponse(r, version));
    }

    private static SyncGroupResponseData syncResponse(SyncResult r, short version) {
        SyncGroupResponseData out = new SyncGroupResponseData().setErrorCode(r.error().code())
                .setAssignment(r.assignment() == null ? new byte[0] : r.assignment());
        if (version >= 5) {
            out.setProtocolType(r.protocolType()).setProtocolName(r.protocolName());
        }
        return out;
    }

    HeartbeatResponseData heartbeat(RequestContext ctx, HeartbeatRequestData request) {
        ErrorCode error = groups.heartbeat(request.groupId(), request.memberId(),
                ctx.apiVersion() >= 3 ? request.groupInstanceId() : null, request.generationId());
        return new HeartbeatResponseData().setErrorCode(error.code());
    }

    LeaveGroupResponseData leaveGroup(RequestContext ctx, LeaveGroupRequestData request) {
        short version = ctx.apiVersion();
        List<LeavingMember> leaving = new ArrayList<>();
        if (version < 3) {
            leaving.add(new LeavingMember(request.memberId(), null));
        } else {
            request.members().forEach(m -> leaving.add(new LeavingMember(m.memberId(), m.groupInstanceId())));
        }
        LeaveResult result = groups.leave(request.groupId(), leaving);
        LeaveGroupResponseData out = new LeaveGroupResponseData();
        if (version < 3) {
            ErrorCode error = result.error() != ErrorCode.NONE || result.members().isEmpty()
                    ? result.error() : result.members().get(0).error();
            return out.setErrorCode(error.code());
        }
        out.setErrorCode(result.error().code());
        for (LeftMember m : result.members()) {
            out.members().add(new LeaveGroupResponseData.MemberResponse()
                    .setMemberId(m.memberId()).setGroupInstanceId(m.groupInstanceId()).setErrorCode(m.error().code()));
        }
        return out;
    }

    ListGroupsResponseData listGroups(RequestContext ctx, ListGroupsRequestData request) {
        short version = ctx.apiVersion();
        ListResult result = groups.listGroups(version >= 4 ? request.statesFilter() : List.of(),
                version >= 5 ? request.typesFilter() : List.of());
        ListGroupsResponseData out = new ListGroupsResponseData().setErrorCode(result.error().code());
        for (GroupListing g : result.groups()) {
            ListGroupsResponseData.ListedGroup listed = new ListGroupsResponseData.ListedGroup()
                    .setGroupId(g.groupId()).setProtocolType(g.protocolType());
            if (version >= 4) {
                listed.setGroupState(g.state());
            }
            if (version >= 5) {
                listed.setGroupType(GroupCoordinator.CLASSIC_TYPE);
            }
            out.groups().add(listed);
        }
        return out;
    }

    DescribeGroupsResponseData describeGroups(RequestContext ctx, DescribeGroupsRequestData request) {
        short version = ctx.apiVersion();
        DescribeGroupsResponseData out = new DescribeGroupsResponseData();
        for (String groupId : request.groups()) {
            GroupDescription d = groups.describe(groupId);
            DescribeGroupsResponseData.DescribedGroup group = new DescribeGroupsResponseData.DescribedGroup()
                    .setGroupId(groupId).setGroupState(d.state()).setProtocolType(d.protocolType())
                    .setProtocolData(d.protocolName());
            ErrorCode error = d.error();
            if (error == ErrorCode.GROUP_ID_NOT_FOUND && version < 6) {
                error = ErrorCode.NONE; // before v6 an unknown group is simply Dead
            }
            group.setErrorCode(error.code());
            if (version >= 6 && error != ErrorCode.NONE) {
                group.setErrorMessage(error == ErrorCode.GROUP_ID_NOT_FOUND
                        ? "group '" + groupId + "' not found" : error.message());
            }
            for (MemberDescription m : d.members()) {
                DescribeGroupsResponseData.DescribedGroupMember member = new DescribeGroupsResponseData.DescribedGroupMember()
                        .setMemberId(m.memberId()).setClientId(m.clientId() == null ? "" : m.clientId())
                        .setClientHost(m.clientHost() == null ? "" : m.clientHost())
                        .setMemberMetadata(m.metadata()).setMemberAssignment(m.assignment());
                if (version >= 4) {
                    member.setGroupInstanceId(m.groupInstanceId());
                }
                group.members().add(member);
            }
            out.groups().add(group);
        }
        return out;
    }

    DeleteGroupsResponseData deleteGroups(DeleteGroupsRequestData request) {
        DeleteGroupsResponseData out = new DeleteGroupsResponseData();
        for (String groupId : request.groupsNames()) {
            if (out.results().find(groupId) != null) {
                continue;
            }
            ErrorCode error = groups.deleteGroup(groupId);
            out.results().add(new DeleteGroupsResponseData.DeletableGroupResult()
                    .setGroupId(groupId).setErrorCode(error.code()));
        }
        return out;
    }

    /** Kafka's spelling of a client's host in DescribeGroups: "/" and the address, without the port. */
    private static String clientHost(RequestContext ctx) {
        String address = ctx.clientAddress() == null ? "" : ctx.clientAddress();
        int colon = address.lastIndexOf(':');
        String host = colon > 0 ? address.substring(0, colon) : address;
        return host.startsWith("/") ? host : "/" + host;
    }
}
