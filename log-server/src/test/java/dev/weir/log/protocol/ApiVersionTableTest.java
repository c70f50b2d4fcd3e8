package dev.weir.log.protocol;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/**
 * What the broker advertises in ApiVersions, written out: a kafka-clients upgrade (or an edit of
 * {@link ApiVersionTable}) that changes a version range on the wire fails here until this list is changed too.
 */
@Tag("fast")
class ApiVersionTableTest {
    /** API, advertised min-max, in ApiVersions' order (ApiKeys order). */
    private static final List<String> ADVERTISED = List.of(
            "PRODUCE 0-12",
            "FETCH 4-17",
            "LIST_OFFSETS 1-11",
            "METADATA 0-13",
            "OFFSET_COMMIT 2-10",
            "OFFSET_FETCH 1-10",
            "FIND_COORDINATOR 0-6",
            "JOIN_GROUP 0-9",
            "HEARTBEAT 0-4",
            "LEAVE_GROUP 0-5",
            "SYNC_GROUP 0-5",
            "DESCRIBE_GROUPS 0-6",
            "LIST_GROUPS 0-5",
            "API_VERSIONS 0-4",
            "CREATE_TOPICS 2-7",
            "DELETE_TOPICS 1-6",
            "DELETE_RECORDS 0-2",
            "INIT_PRODUCER_ID 0-5",
            "OFFSET_FOR_LEADER_EPOCH 2-4",
            "ADD_PARTITIONS_TO_TXN 0-5",
            "ADD_OFFSETS_TO_TXN 0-4",
            "END_TXN 0-4",
            "WRITE_TXN_MARKERS 1-2",
            "TXN_OFFSET_COMMIT 0-4",
            "DESCRIBE_CONFIGS 1-4",
            "ALTER_CONFIGS 0-2",
            "CREATE_PARTITIONS 0-3",
            "DELETE_GROUPS 0-3",
            "ELECT_LEADERS 0-2",
            "INCREMENTAL_ALTER_CONFIGS 0-1",
            "ALTER_PARTITION_REASSIGNMENTS 0-1",
            "LIST_PARTITION_REASSIGNMENTS 0-0",
            "OFFSET_DELETE 0-0",
            "DESCRIBE_CLUSTER 0-2",
            "DESCRIBE_PRODUCERS 0-0",
            "DESCRIBE_TRANSACTIONS 0-0",
            "LIST_TRANSACTIONS 0-2"
    );

    @Test
    void advertisedRangesAreExactlyThePinnedOnes() {
        List<String> actual = new ApiVersionTable().advertised().stream()
                .map((ApiVersion v) -> ApiKeys.forId(v.apiKey()) + " " + v.minVersion() + "-" + v.maxVersion())
                .toList();
        assertEquals(ADVERTISED, actual);
    }

    @Test
    void aPinnedVersionTheKafkaClientsCannotEncodeFailsNamingTheApi() {
        short latest = ApiKeys.FETCH.latestVersion(false);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ApiVersionTable.pinned(ApiKeys.FETCH, 4, latest + 1));
        assertTrue(e.getMessage().startsWith("FETCH is pinned to v4-" + (latest + 1)), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> ApiVersionTable.pinned(ApiKeys.FETCH, ApiKeys.FETCH.oldestVersion() - 1, 17));
    }

    @Test
    void produceIsParsedFromV3AlthoughAdvertisedFromV0() {
        ApiVersionTable table = new ApiVersionTable();
        assertEquals(new ApiVersionTable.Range((short) 3, (short) 12), table.range(ApiKeys.PRODUCE));
        assertEquals(false, table.isSupported(ApiKeys.PRODUCE, (short) 2));
    }
}
