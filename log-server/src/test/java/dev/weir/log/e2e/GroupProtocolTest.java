package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.RawKafkaClient;
import dev.weir.log.testing.TestBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group protocol on the wire, with raw requests: the member-id-required handshake, old request
 * versions, batched LeaveGroup, FindCoordinator key types, and bad input: stale generations and unknown
 * members are fenced, mismatched protocols and oversized metadata are refused, and the group is
 * unchanged afterwards.
 */
@Tag("fast")
class GroupProtocolTest {
    private static final String TOPIC = "raw-groups";
    private static final byte[] METADATA = {0, 1, 2, 3};

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = new TestBroker(dir, Map.of("group.initial.rebalance.delay.ms", "0"));
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
        }
        // Clients look up the coordinator first, which creates the offsets topic; raw tests skip that step.
        broker.broker().groupCoordinator().ensureOffsetsTopic();
        broker.broker().groupCoordinator().awaitIdle();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void findCoordinatorAnswersGroupAndTransactionKeys() throws Exception {
        try (RawKafkaClient client = RawKafkaClient.connect(broker.bootstrap())) {
            FindCoordinatorResponseData v0 = client.request(ApiKeys.FIND_COORDINATOR, (short) 0,
                    new FindCoordinatorRequestData().setKey("g"));
            assertEquals(Errors.NONE.code(), v0.errorCode());
            assertEquals(1, v0.nodeId());
            assertEquals(broker.broker().port(), v0.port());

            FindCoordinatorResponseData v4 = client.request(ApiKeys.FIND_COORDINATOR, (short) 4,
                    new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of("a", "b")));
            assertEquals(List.of("a", "b"), v4.coordinators().stream().map(FindCoordinatorResponseData.Coordinator::key).toList());
            assertTrue(v4.coordinators().stream().allMatch(c -> c.errorCode() == 0 && c.nodeId() == 1));

            FindCoordinatorResponseData txn = client.request(ApiKeys.FIND_COORDINATOR, (short) 3,
                    new FindCoordinatorRequestData().setKey("my-transactional-id").setKeyType((byte) 1));
            assertEquals(Errors.NONE.code(), txn.errorCode(), txn.errorMessage());
            assertEquals(1, txn.nodeId(), "the leader of the id's __transaction_state partition");
        }
    }

    @Test
    void staleGenerationsUnknownMembersMismatchedProtocolsAndOversizedMetadataAreRefused() throws Exception {
        String group = "fenced";
        try (RawKafkaClient client = RawKafkaClient.connect(broker.bootstrap())) {
            // KIP-394 handshake: a new member first learns its id.
            JoinGroupResponseData first = client.request(ApiKeys.JOIN_GROUP, (short) 5, join(group, "", "consumer", "range"));
            assertEquals(Errors.MEMBER_ID_REQUIRED.code(), first.errorCode());
            String memberId = first.memberId();
            assertFalse(memberId.isEmpty());
            JoinGroupResponseData joined = client.request(ApiKeys.JOIN_GROUP, (short) 5, join(group, memberId, "consumer", "range"));
            assertEquals(Errors.NONE.code(), joined.errorCode());
            assertEquals(1, joined.generationId());
            assertEquals(memberId, joined.leader());
            assertEquals("range", joined.protocolName());
            assertEquals(1, joined.members().size());
            assertArrayEquals(METADATA, joined.members().get(0).metadata());

            SyncGroupResponseData synced = client.request(ApiKeys.SYNC_GROUP, (short) 3, new SyncGroupRequestData()
                    .setGroupId(group).setGenerationId(1).setMemberId(memberId)
                    .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
                            .setMemberId(memberId).setAssignment(new byte[]{9, 9}))));
            assertEquals(Errors.NONE.code(), synced.errorCode());
            assertArrayEquals(new byte[]{9, 9}, synced.assignment());

            assertEquals(Errors.ILLEGAL_GENERATION.code(), commit(client, group, 0, memberId, "m"));
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commit(client, group, 1, "ghost", "m"));
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commit(client, group, -1, "", "m"),
                    "a commit from outside the group while it has members");
            assertEquals(Errors.OFFSET_METADATA_TOO_LARGE.code(), commit(client, group, 1, memberId, "x".repeat(4097)));
            assertEquals(Errors.NONE.code(), commit(client, group, 1, memberId, "ok"));
            assertEquals(Errors.ILLEGAL_GENERATION.code(), heartbeat(client, group, 7, memberId));
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), heartbeat(client, group, 1, "ghost"));

            assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), client.<JoinGroupResponseData>request(
                    ApiKeys.JOIN_GROUP, (short) 0, join(group, "", "connect", "range")).errorCode());
            assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), client.<JoinGroupResponseData>request(
                    ApiKeys.JOIN_GROUP, (short) 0, join(group, "", "consumer", "roundrobin")).errorCode());
            JoinGroupRequestData huge = join(group, "", "consumer", "range");
            huge.protocols().find("range").setMetadata(new byte[2 * 1024 * 1024]);
            assertEquals(Errors.MESSAGE_TOO_LARGE.code(), client.<JoinGroupResponseData>request(
                    ApiKeys.JOIN_GROUP, (short) 0, huge).errorCode());
            assertEquals(Errors.INVALID_SESSION_TIMEOUT.code(), client.<JoinGroupResponseData>request(
                    ApiKeys.JOIN_GROUP, (short) 0, join(group, "", "consumer", "range").setSessionTimeoutMs(10)).errorCode());
            assertEquals(Errors.INVALID_GROUP_ID.code(), client.<JoinGroupResponseData>request(
                    ApiKeys.JOIN_GROUP, (short) 0, join("", "", "consumer", "range")).errorCode());

            // None of it disturbed the group.
            assertEquals(Errors.NONE.code(), heartbeat(client, group, 1, memberId));
            DescribeGroupsResponseData.DescribedGroup d = describe(client, group);
            assertEquals("Stable", d.groupState());
            assertEquals("consumer", d.protocolType());
            assertEquals("range", d.protocolData());
            assertEquals(List.of(memberId), d.members().stream().map(DescribeGroupsResponseData.DescribedGroupMember::memberId).toList());
            assertArrayEquals(new byte[]{9, 9}, d.members().get(0).memberAssignment());

            OffsetFetchResponseData fetched = client.request(ApiKeys.OFFSET_FETCH, (short) 1, new OffsetFetchRequestData()
                    .setGroupId(group).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic()
                            .setName(TOPIC).setPartitionIndexes(List.of(0, 1)))));
            var partitions = fetched.topics().get(0).partitions();
            assertEquals(5L, partitions.get(0).committedOffset());
            assertEquals("ok", partitions.get(0).metadata());
            assertEquals(-1L, partitions.get(1).committedOffset());
        }
    }

    @Test
    void oldJoinVersionsStaticMembersAndBatchedLeave() throws Exception {
        String group = "batched-leave";
        try (RawKafkaClient a = RawKafkaClient.connect(broker.bootstrap());
             RawKafkaClient b = RawKafkaClient.connect(broker.bootstrap())) {
            // v0: no member id handshake; the member joins at once.
            JoinGroupResponseData joinedA = a.request(ApiKeys.JOIN_GROUP, (short) 0, join(group, "", "consumer", "range"));
            assertEquals(Errors.NONE.code(), joinedA.errorCode());
            String memberA = joinedA.memberId();
            assertEquals(Errors.NONE.code(), sync(a, group, 1, memberA, null).errorCode());

            // A static member joins: the group rebalances and waits for A to rejoin.
            int pending = b.send(ApiKeys.JOIN_GROUP, (short) 5, join(group, "", "consumer", "range").setGroupInstanceId("static-b"));
            // B's join travels on another connection: wait until the broker has seen it.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> heartbeat(a, group, 1, memberA) == Errors.REBALANCE_IN_PROGRESS.code());
            JoinGroupResponseData rejoinedA = a.request(ApiKeys.JOIN_GROUP, (short) 0, join(group, memberA, "consumer", "range"));
            JoinGroupResponseData joinedB = b.receive(ApiKeys.JOIN_GROUP, (short) 5, pending);
            assertEquals(Errors.NONE.code(), rejoinedA.errorCode());
            assertEquals(Errors.NONE.code(), joinedB.errorCode(), "static members skip the member id handshake");
            assertEquals(2, rejoinedA.generationId());
            assertEquals(memberA, rejoinedA.leader(), "the leader stays the leader");
            assertEquals(2, rejoinedA.members().size());
            assertEquals(0, joinedB.members().size(), "only the leader gets the members");

            int syncB = b.send(ApiKeys.SYNC_GROUP, (short) 3, new SyncGroupRequestData().setGroupId(group).setGenerationId(2)
                    .setMemberId(joinedB.memberId()).setGroupInstanceId("static-b"));
            assertEquals(Errors.NONE.code(), sync(a, group, 2, memberA, joinedB.memberId()).errorCode());
            SyncGroupResponseData syncedB = b.receive(ApiKeys.SYNC_GROUP, (short) 3, syncB);
            assertArrayEquals(new byte[]{2}, syncedB.assignment());

            // A stale incarnation of the static member is fenced.
            assertEquals(Errors.FENCED_INSTANCE_ID.code(), b.<HeartbeatResponseData>request(ApiKeys.HEARTBEAT, (short) 3,
                    new HeartbeatRequestData().setGroupId(group).setGenerationId(2).setMemberId("old-incarnation")
                            .setGroupInstanceId("static-b")).errorCode());

            LeaveGroupResponseData left = a.request(ApiKeys.LEAVE_GROUP, (short) 3, new LeaveGroupRequestData()
                    .setGroupId(group).setMembers(List.of(
                            new LeaveGroupRequestData.MemberIdentity().setMemberId(memberA),
                            new LeaveGroupRequestData.MemberIdentity().setMemberId("").setGroupInstanceId("static-b"),
                            new LeaveGroupRequestData.MemberIdentity().setMemberId("nobody"))));
            assertEquals(Errors.NONE.code(), left.errorCode());
            assertEquals(List.of(Errors.NONE.code(), Errors.NONE.code(), Errors.UNKNOWN_MEMBER_ID.code()),
                    left.members().stream().map(LeaveGroupResponseData.MemberResponse::errorCode).toList());
            DescribeGroupsResponseData.DescribedGroup d = describe(a, group);
            assertEquals("Empty", d.groupState());
            assertTrue(d.members().isEmpty());

            LeaveGroupResponseData v0 = a.request(ApiKeys.LEAVE_GROUP, (short) 0,
                    new LeaveGroupRequestData().setGroupId(group).setMemberId(memberA));
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), v0.errorCode());
        }
    }

    @Test
    void unknownGroupsAreDeadOrNotFoundByVersion() throws Exception {
        try (RawKafkaClient client = RawKafkaClient.connect(broker.bootstrap())) {
            client.request(ApiKeys.FIND_COORDINATOR, (short) 0, new FindCoordinatorRequestData().setKey("nothing"));
            DescribeGroupsResponseData v5 = client.request(ApiKeys.DESCRIBE_GROUPS, (short) 5,
                    new DescribeGroupsRequestData().setGroups(List.of("nothing")));
            assertEquals(Errors.NONE.code(), v5.groups().get(0).errorCode());
            assertEquals("Dead", v5.groups().get(0).groupState());
            DescribeGroupsResponseData v6 = client.request(ApiKeys.DESCRIBE_GROUPS, (short) 6,
                    new DescribeGroupsRequestData().setGroups(List.of("nothing")));
            assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), v6.groups().get(0).errorCode());
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), heartbeat(client, "nothing", 1, "m"));
            OffsetFetchResponseData fetched = client.request(ApiKeys.OFFSET_FETCH, (short) 8, new OffsetFetchRequestData()
                    .setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("nothing").setTopics(null),
                            new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("nothing-either")
                                    .setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                                            .setName(TOPIC).setPartitionIndexes(List.of(1)))))).setRequireStable(true));
            assertEquals(2, fetched.groups().size());
            assertTrue(fetched.groups().get(0).topics().isEmpty());
            assertEquals(-1L, fetched.groups().get(1).topics().get(0).partitions().get(0).committedOffset());
            assertEquals(Errors.ILLEGAL_GENERATION.code(), commit(client, "nothing", 3, "m", ""),
                    "OffsetCommit before v9 for an unknown group with a generation");
        }
    }

    // --- helpers ---

    private static JoinGroupRequestData join(String group, String memberId, String protocolType, String protocol) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName(protocol).setMetadata(METADATA));
        return new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setProtocolType(protocolType)
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(5_000).setProtocols(protocols);
    }

    /** SyncGroup v3 from {@code memberId}; as leader it assigns {1} to itself and {2} to {@code other}. */
    private static SyncGroupResponseData sync(RawKafkaClient client, String group, int generation, String memberId,
                                              String other) throws Exception {
        List<SyncGroupRequestData.SyncGroupRequestAssignment> assignments = new java.util.ArrayList<>();
        assignments.add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(memberId).setAssignment(new byte[]{1}));
        if (other != null) {
            assignments.add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(other).setAssignment(new byte[]{2}));
        }
        return client.request(ApiKeys.SYNC_GROUP, (short) 3, new SyncGroupRequestData().setGroupId(group)
                .setGenerationId(generation).setMemberId(memberId).setAssignments(assignments));
    }

    private static short commit(RawKafkaClient client, String group, int generation, String memberId, String metadata)
            throws Exception {
        OffsetCommitResponseData r = client.request(ApiKeys.OFFSET_COMMIT, (short) 8, new OffsetCommitRequestData()
                .setGroupId(group).setGenerationIdOrMemberEpoch(generation).setMemberId(memberId)
                .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(TOPIC)
                        .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                .setPartitionIndex(0).setCommittedOffset(5).setCommittedMetadata(metadata))))));
        return r.topics().get(0).partitions().get(0).errorCode();
    }

    private static short heartbeat(RawKafkaClient client, String group, int generation, String memberId) throws Exception {
        HeartbeatResponseData r = client.request(ApiKeys.HEARTBEAT, (short) 0,
                new HeartbeatRequestData().setGroupId(group).setGenerationId(generation).setMemberId(memberId));
        return r.errorCode();
    }

    private static DescribeGroupsResponseData.DescribedGroup describe(RawKafkaClient client, String group) throws Exception {
        DescribeGroupsResponseData r = client.request(ApiKeys.DESCRIBE_GROUPS, (short) 5,
                new DescribeGroupsRequestData().setGroups(List.of(group)));
        return r.groups().get(0);
    }
}
