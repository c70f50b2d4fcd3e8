package dev.weir.log.protocol;

import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The APIs and version ranges this broker implements. A range is the overlap of what the pinned
 * kafka-clients can encode and what Weir's handlers understand; the caps below exist where a newer
 * version means semantics Weir does not have yet.
 *
 * <p>Produce is advertised from v0 although v0–2 are answered with UNSUPPORTED_VERSION: librdkafka
 * before 2.11 disables compression when Produce v0 is missing from the list (Kafka does the same).
 */
public final class ApiVersionTable {

    /** Advertised lowest Produce version; see the class comment. */
    static final short PRODUCE_ADVERTISED_MIN = 0;

    private final Map<ApiKeys, Range> ranges = new EnumMap<>(ApiKeys.class);

    public record Range(short min, short max) {
        boolean contains(short version) {
            return version >= min && version <= max;
        }
    }

    public ApiVersionTable() {
        support(ApiKeys.API_VERSIONS, 4);          // v5 adds cluster-id checking (KIP-1242)
        support(ApiKeys.METADATA, Short.MAX_VALUE);
        support(ApiKeys.PRODUCE, 12);               // v13 addresses topics by id
        support(ApiKeys.FETCH, 17);                 // v18 carries a follower's high watermark (KIP-1166)
        support(ApiKeys.LIST_OFFSETS, Short.MAX_VALUE);
        support(ApiKeys.OFFSET_FOR_LEADER_EPOCH, Short.MAX_VALUE);  // v2-v4 in kafka-clients 4.4
        support(ApiKeys.CREATE_TOPICS, Short.MAX_VALUE);
        support(ApiKeys.DELETE_TOPICS, Short.MAX_VALUE);
        support(ApiKeys.CREATE_PARTITIONS, Short.MAX_VALUE);
        support(ApiKeys.DELETE_RECORDS, Short.MAX_VALUE);
        support(ApiKeys.DESCRIBE_CONFIGS, Short.MAX_VALUE);
        support(ApiKeys.ALTER_CONFIGS, Short.MAX_VALUE);
        support(ApiKeys.INCREMENTAL_ALTER_CONFIGS, Short.MAX_VALUE);
        support(ApiKeys.DESCRIBE_CLUSTER, Short.MAX_VALUE);
        support(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, Short.MAX_VALUE);  // v1: allowReplicationFactorChange (KIP-860)
        support(ApiKeys.LIST_PARTITION_REASSIGNMENTS, Short.MAX_VALUE);
        support(ApiKeys.ELECT_LEADERS, Short.MAX_VALUE);                   // v1+: election type (KIP-460)
        support(ApiKeys.INIT_PRODUCER_ID, 5);       // v6 is two-phase commit (KIP-939)
        // Classic consumer groups, all from their oldest version: librdkafka before 2.11 matches single
        // versions, and lists FindCoordinator v0 as its marker for brokers that take LZ4.
        // ConsumerGroupHeartbeat (KIP-848) is deliberately absent: clients use the classic protocol.
        support(ApiKeys.FIND_COORDINATOR, Short.MAX_VALUE);
        support(ApiKeys.JOIN_GROUP, Short.MAX_VALUE);
        support(ApiKeys.SYNC_GROUP, Short.MAX_VALUE);
        support(ApiKeys.HEARTBEAT, Short.MAX_VALUE);
        support(ApiKeys.LEAVE_GROUP, Short.MAX_VALUE);
        support(ApiKeys.OFFSET_COMMIT, Short.MAX_VALUE);
        support(ApiKeys.OFFSET_FETCH, Short.MAX_VALUE);
        support(ApiKeys.OFFSET_DELETE, Short.MAX_VALUE);
        support(ApiKeys.LIST_GROUPS, Short.MAX_VALUE);
        support(ApiKeys.DESCRIBE_GROUPS, Short.MAX_VALUE);
        support(ApiKeys.DELETE_GROUPS, Short.MAX_VALUE);
        // Transactions, coordinator side: the classic protocol. No transaction.version feature is advertised,
        // so clients stay on it; EndTxn v5 and TxnOffsetCommit v5 belong to KIP-890's per-transaction epoch bump
        // and v6 of TxnOffsetCommit addresses topics by id.
        support(ApiKeys.ADD_PARTITIONS_TO_TXN, 5);  // v0-3 clients, v4+ brokers (batched, VerifyOnly)
        support(ApiKeys.ADD_OFFSETS_TO_TXN, 4);
        support(ApiKeys.END_TXN, 4);
        support(ApiKeys.TXN_OFFSET_COMMIT, 4);
        support(ApiKeys.DESCRIBE_TRANSACTIONS, Short.MAX_VALUE);
        support(ApiKeys.LIST_TRANSACTIONS, Short.MAX_VALUE);  // v1 duration filter, v2 id pattern (KIP-1152)
        // Transactions, partition side. WriteTxnMarkers v2 only adds the marker's transaction version (KIP-1228),
        // which the classic (v1) transaction protocol leaves at 0.
        support(ApiKeys.WRITE_TXN_MARKERS, Short.MAX_VALUE);
        support(ApiKeys.DESCRIBE_PRODUCERS, Short.MAX_VALUE);
    }

    private void support(ApiKeys key, int cap) {
        short max = (short) Math.min(key.latestVersion(false), cap);
        ranges.put(key, new Range(key.oldestVersion(), max));
    }

    /** The range this broker parses and answers, or null for an API it does not implement. */
    public Range range(ApiKeys key) {
        return ranges.get(key);
    }

    public boolean isSupported(ApiKeys key, short version) {
        Range r = ranges.get(key);
        return r != null && r.contains(version);
    }

    /** The version list of an ApiVersions response. */
    public ApiVersionCollection advertised() {
        ApiVersionCollection list = new ApiVersionCollection();
        ranges.forEach((key, r) -> list.add(new ApiVersion()
                .setApiKey(key.id)
                .setMinVersion(key == ApiKeys.PRODUCE ? PRODUCE_ADVERTISED_MIN : r.min())
                .setMaxVersion(r.max())));
        return list;
    }

    public ApiVersionsResponseData response(short errorCode) {
        return new ApiVersionsResponseData()
                .setErrorCode(errorCode)
                .setApiKeys(advertised())
                .setThrottleTimeMs(0);
    }
}
