package dev.weir.log.protocol;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The APIs and version ranges this broker implements, pinned here one line per API. A range is never derived from
 * what the kafka-clients on the class path can encode: upgrading kafka-clients must not change what Weir advertises
 * on the wire. The table checks at construction that the pinned kafka-clients can still parse and encode every
 * pinned version (and fails naming the API if not). Adding an API: register its handler and add its line here.
 * The caps below exist where a newer version means semantics Weir does not have yet.
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
        support(ApiKeys.API_VERSIONS, 0, 4);          // v5 adds cluster-id checking (KIP-1242)
        support(ApiKeys.METADATA, 0, 13);
        support(ApiKeys.PRODUCE, 3, 12);              // v13 addresses topics by id; v0-2: see the class comment
        support(ApiKeys.FETCH, 4, 17);                // v18 carries a follower's high watermark (KIP-1166)
        support(ApiKeys.LIST_OFFSETS, 1, 11);
        support(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4);
        support(ApiKeys.CREATE_TOPICS, 2, 7);
        support(ApiKeys.DELETE_TOPICS, 1, 6);
        support(ApiKeys.CREATE_PARTITIONS, 0, 3);
        support(ApiKeys.DELETE_RECORDS, 0, 2);
        support(ApiKeys.DESCRIBE_CONFIGS, 1, 4);
        support(ApiKeys.ALTER_CONFIGS, 0, 2);
        support(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, 1);
        support(ApiKeys.DESCRIBE_CLUSTER, 0, 2);
        support(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, 0, 1);  // v1: allowReplicationFactorChange (KIP-860)
        support(ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0, 0);
        support(ApiKeys.ELECT_LEADERS, 0, 2);                  // v1+: election type (KIP-460)
        support(ApiKeys.INIT_PRODUCER_ID, 0, 5);      // v6 is two-phase commit (KIP-939)
        // Classic consumer groups, all from their oldest version: librdkafka before 2.11 matches single
        // versions, and lists FindCoordinator v0 as its marker for brokers that take LZ4.
        // ConsumerGroupHeartbeat (KIP-848) is deliberately absent: clients use the classic protocol.
        support(ApiKeys.FIND_COORDINATOR, 0, 6);
        support(ApiKeys.JOIN_GROUP, 0, 9);
        support(ApiKeys.SYNC_GROUP, 0, 5);
        support(ApiKeys.HEARTBEAT, 0, 4);
        support(ApiKeys.LEAVE_GROUP, 0, 5);
        support(ApiKeys.OFFSET_COMMIT, 2, 10);
        support(ApiKeys.OFFSET_FETCH, 1, 10);
        support(ApiKeys.OFFSET_DELETE, 0, 0);
        support(ApiKeys.LIST_GROUPS, 0, 5);
        support(ApiKeys.DESCRIBE_GROUPS, 0, 6);
        support(ApiKeys.DELETE_GROUPS, 0, 3);
        // Transactions, coordinator side: the classic protocol. No transaction.version feature is advertised,
        // so clients stay on it; EndTxn v5 and TxnOffsetCommit v5 belong to KIP-890's per-transaction epoch bump
        // and v6 of TxnOffsetCommit addresses topics by id.
        support(ApiKeys.ADD_PARTITIONS_TO_TXN, 0, 5); // v0-3 clients, v4+ brokers (batched, VerifyOnly)
        support(ApiKeys.ADD_OFFSETS_TO_TXN, 0, 4);
        support(ApiKeys.END_TXN, 0, 4);
        support(ApiKeys.TXN_OFFSET_COMMIT, 0, 4);
        support(ApiKeys.DESCRIBE_TRANSACTIONS, 0, 0);
        support(ApiKeys.LIST_TRANSACTIONS, 0, 2);     // v1 duration filter, v2 id pattern (KIP-1152)
        // Transactions, partition side. WriteTxnMarkers v2 only adds the marker's transaction version (KIP-1228),
        // which the classic (v1) transaction protocol leaves at 0.
        support(ApiKeys.WRITE_TXN_MARKERS, 1, 2);
        support(ApiKeys.DESCRIBE_PRODUCERS, 0, 0);
    }

    private void support(ApiKeys key, int min, int max) {
        ranges.put(key, pinned(key, min, max));
    }

    /** [min, max] of {@code key}; fails unless the kafka-clients on the class path parses and encodes all of it. */
    static Range pinned(ApiKeys key, int min, int max) {
        if (min > max || min < key.oldestVersion() || max > key.latestVersion(false)) {
            throw new IllegalStateException(key + " is pinned to v" + min + "-" + max + ", but kafka-clients "
                    + "supports v" + key.oldestVersion() + "-" + key.latestVersion(false)
                    + "; re-pin it in ApiVersionTable after checking what the new versions mean");
        }
        return new Range((short) min, (short) max);
    }

    /** The APIs this broker implements (ApiVersions included). */
    public Set<ApiKeys> apis() {
        return Collections.unmodifiableSet(ranges.keySet());
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
