package dev.weir.log.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.coordinator.CoordinatorTestBroker;
import dev.weir.log.group.GroupOperations.CommitParams;
import dev.weir.log.group.GroupOperations.GroupDescription;
import dev.weir.log.group.GroupOperations.JoinParams;
import dev.weir.log.group.GroupOperations.JoinResult;
import dev.weir.log.group.GroupOperations.LeavingMember;
import dev.weir.log.group.GroupOperations.PartitionCommit;
import dev.weir.log.group.GroupOperations.Protocol;
import dev.weir.log.group.GroupOperations.SyncParams;
import dev.weir.log.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator over a real metadata store, logs and replica manager, without a network, and with a
 * clock the test moves: offset retention, offsets of deleted topics, and reloading groups from
 * {@code __consumer_offsets} when a coordinator starts.
 */
@Tag("fast")
class GroupCoordinatorTest {
    private static final long RETENTION_MS = 60_000;
    /** Long enough that no session check fires during a test, even when the clock jumps. */
    private static final int SESSION_MS = 600_000;
    private static final int MAX_SIZE = 2;

    @TempDir
    Path dir;
    CoordinatorTestBroker broker;
    GroupCoordinator coordinator;

    @BeforeEach
    void start() {
        broker = new CoordinatorTestBroker(dir);
        startCoordinator();
        broker.metadata().createTopic("t", 2, 1, Map.of());
        broker.metadata().createTopic("u", 1, 1, Map.of());
    }

    private void startCoordinator() {
        GroupConfig config = new GroupConfig(0, 1, 1_800_000, MAX_SIZE, 5, 1, RETENTION_MS, Long.MAX_VALUE / 2, 4096,
                GroupConfig.OFFSETS_COMMIT_TIMEOUT_MS);
        coordinator = new GroupCoordinator(1, config, broker.metadata(), broker.replicas(), broker.scheduler(),
                broker.clock);
        coordinator.start();
        coordinator.ensureOffsetsTopic();
        coordinator.awaitIdle();
    }

    /** A new coordinator (and logs) over the same directory, as after a broker restart. */
    private void restartBroker() {
        coordinator.close();
        broker.restart();
        startCoordinator();
    }

    @AfterEach
    void stop() {
        coordinator.close();
        broker.close();
    }

    @Test
    void groupsArePlacedByKafkasHashRule() {
        for (String id : List.of("a", "group-1", "polygenelubricants", "connect-cluster", "")) {
            assertEquals(Utils.abs(id.hashCode()) % 5, coordinator.partitionFor(id), id);
        }
        assertEquals(Integer.MIN_VALUE, "polygenelubricants".hashCode(), "the Math.abs edge case is covered");
    }

    @Test
    void offsetsOfASimpleGroupExpireByCommitTimeAndTheGroupGoesWithThem() {
        commit("simple", -1, "", tp("t", 0), 5);
        broker.clock.advance(RETENTION_MS / 2);
        commit("simple", -1, "", tp("t", 1), 7);
        broker.clock.advance(RETENTION_MS / 2);
        coordinator.runRetentionNow();
        assertEquals(Set.of(tp("t", 1)), coordinator.fetchOffsets("simple", null).offsets().keySet());

        broker.clock.advance(RETENTION_MS);
        coordinator.runRetentionNow();
        assertEquals(Map.of(), coordinator.fetchOffsets("simple", null).offsets());
        assertTrue(coordinator.listGroups(List.of(), List.of()).groups().isEmpty(), "the empty group is removed");

        restartBroker();
        assertEquals(Map.of(), coordinator.fetchOffsets("simple", null).offsets(), "tombstones survive a restart");
        assertTrue(coordinator.listGroups(List.of(), List.of()).groups().isEmpty());
    }

    @Test
    void anEmptyConsumerGroupsOffsetsExpireOnlyOnceItHasBeenEmptyForTheRetentionPeriod() {
        JoinResult joined = joinAndSync("consumers", subscription("t"));
        commit("consumers", joined.generationId(), joined.memberId(), tp("t", 0), 3);
        broker.clock.advance(RETENTION_MS * 2);
        coordinator.runRetentionNow();
        assertEquals(Set.of(tp("t", 0)), coordinator.fetchOffsets("consumers", null).offsets().keySet(),
                "a stable group keeps the offsets of topics it subscribes to, however old");

        coordinator.leave("consumers", List.of(new LeavingMember(joined.memberId(), null)));
        assertEquals("Empty", coordinator.describe("consumers").state());
        broker.clock.advance(RETENTION_MS - 1);
        coordinator.runRetentionNow();
        assertEquals(Set.of(tp("t", 0)), coordinator.fetchOffsets("consumers", null).offsets().keySet());
        broker.clock.advance(1);
        coordinator.runRetentionNow();
        assertEquals(Map.of(), coordinator.fetchOffsets("consumers", null).offsets());
        assertEquals(ErrorCode.GROUP_ID_NOT_FOUND, coordinator.describe("consumers").error());
    }

    @Test
    void aStableConsumerGroupLosesOnlyOldOffsetsOfTopicsItNoLongerReads() {
        JoinResult joined = joinAndSync("readers", subscription("t"));
        commit("readers", joined.generationId(), joined.memberId(), tp("t", 0), 3);
        commit("readers", joined.generationId(), joined.memberId(), tp("u", 0), 4);
        broker.clock.advance(RETENTION_MS);
        coordinator.runRetentionNow();
        assertEquals(Set.of(tp("t", 0)), coordinator.fetchOffsets("readers", null).offsets().keySet());
    }

    @Test
    void offsetsOfADeletedTopicAreRemoved() {
        commit("two", -1, "", tp("t", 0), 1);
        commit("two", -1, "", tp("u", 0), 2);
        broker.metadata().deleteTopic("u");
        coordinator.awaitIdle();
        assertEquals(Set.of(tp("t", 0)), coordinator.fetchOffsets("two", null).offsets().keySet());
    }

    @Test
    void aRestartedCoordinatorLoadsStableGroupsWithTheirMembersAssignmentsAndOffsets() {
        JoinResult joined = joinAndSync("durable", subscription("t"));
        commit("durable", joined.generationId(), joined.memberId(), tp("t", 1), 42);

        restartBroker();

        GroupDescription d = coordinator.describe("durable");
        assertEquals("Stable", d.state());
        assertEquals("consumer", d.protocolType());
        assertEquals("range", d.protocolName());
        assertEquals(List.of(joined.memberId()), d.members().stream().map(GroupOperations.MemberDescription::memberId).toList());
        assertArrayEquals(new byte[]{7}, d.members().get(0).assignment());
        assertEquals(42, coordinator.fetchOffsets("durable", null).offsets().get(tp("t", 1)).offset());
        // The member carries on in its generation without rejoining.
        assertEquals(ErrorCode.NONE, coordinator.heartbeat("durable", joined.memberId(), null, joined.generationId()));
        assertEquals(ErrorCode.ILLEGAL_GENERATION,
                coordinator.heartbeat("durable", joined.memberId(), null, joined.generationId() + 1));
    }

    @Test
    void aGroupAtGroupMaxSizeRefusesNewMembersButKeepsItsOwn() {
        JoinResult first = joinAndSync("full", subscription("t"));
        // The second member is admitted (its JoinGroup waits for the first to rejoin); a third is refused.
        CompletableFuture<JoinResult> second = coordinator.join(joinParams("full", ""));
        JoinResult third = coordinator.join(joinParams("full", "")).join();
        assertEquals(ErrorCode.GROUP_MAX_SIZE_REACHED, third.error());
        JoinResult rejoined = coordinator.join(joinParams("full", first.memberId())).orTimeout(30, TimeUnit.SECONDS).join();
        assertEquals(ErrorCode.NONE, rejoined.error());
        assertEquals(ErrorCode.NONE, second.orTimeout(30, TimeUnit.SECONDS).join().error());
        assertEquals(2, rejoined.members().size());
    }

    @Test
    void recordFormatRoundTrips() {
        var snapshot = new GroupRecords.GroupSnapshot("consumer", 3, "range", "m1", 1234,
                List.of(new GroupRecords.MemberSnapshot("m1", "i1", "client", "/127.0.0.1", 300, 10, new byte[]{1},
                        new byte[]{2, 3})));
        var read = GroupRecords.readGroup(ByteBuffer.wrap(GroupRecords.groupValue(snapshot)));
        assertEquals(snapshot.protocolType(), read.protocolType());
        assertEquals(snapshot.generationId(), read.generationId());
        assertEquals("i1", read.members().get(0).groupInstanceId());
        assertArrayEquals(new byte[]{2, 3}, read.members().get(0).assignment());
        assertEquals(new GroupRecords.OffsetKey("g", tp("t", 4)),
                GroupRecords.readKey(ByteBuffer.wrap(GroupRecords.offsetKey("g", tp("t", 4)))));
        var offset = new GroupOperations.CommittedOffset(9, 2, "meta", 77);
        assertEquals(offset, GroupRecords.readOffset(ByteBuffer.wrap(GroupRecords.offsetValue(offset))));
        assertTrue(GroupRecords.readKey(ByteBuffer.wrap(new byte[]{0, 9})) instanceof GroupRecords.UnknownKey);
    }

    // --- helpers ---

    private static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }

    private static byte[] subscription(String... topics) {
        ByteBuffer b = ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of(topics)));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static JoinParams joinParams(String group, String memberId) {
        return new JoinParams(group, memberId, null, "client", "/127.0.0.1", SESSION_MS, 10_000, "consumer",
                List.of(new Protocol("range", subscription("t"))), false);
    }

    private JoinResult joinAndSync(String group, byte[] metadata) {
        JoinResult joined = coordinator.join(new JoinParams(group, "", null, "client", "/127.0.0.1", SESSION_MS, SESSION_MS,
                "consumer", List.of(new Protocol("range", metadata)), false)).orTimeout(30, TimeUnit.SECONDS).join();
        assertEquals(ErrorCode.NONE, joined.error());
        CompletableFuture<GroupOperations.SyncResult> synced = coordinator.sync(new SyncParams(group, joined.generationId(),
                joined.memberId(), null, null, null, Map.of(joined.memberId(), new byte[]{7})));
        assertEquals(ErrorCode.NONE, synced.orTimeout(30, TimeUnit.SECONDS).join().error());
        return joined;
    }

    private void commit(String group, int generation, String memberId, TopicPartition tp, long offset) {
        List<PartitionCommit> partitions = new ArrayList<>(List.of(new PartitionCommit(tp, offset, -1, "")));
        Map<TopicPartition, ErrorCode> result = coordinator.commitOffsets(new CommitParams(group, generation, memberId,
                null, partitions, true)).orTimeout(30, TimeUnit.SECONDS).join();
        assertEquals(Map.of(tp, ErrorCode.NONE), result);
    }
}
