package dev.weir.log.api;

import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.group.GroupCoordinator;
import dev.weir.log.group.GroupOperations.CommitParams;
import dev.weir.log.group.GroupOperations.CommittedOffset;
import dev.weir.log.group.GroupOperations.FetchResult;
import dev.weir.log.group.GroupOperations.OffsetDeleteResult;
import dev.weir.log.group.GroupOperations.PartitionCommit;
import dev.weir.log.group.GroupOperations.TxnCommitParams;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.RequestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;

/**
 * OffsetCommit, TxnOffsetCommit, OffsetFetch and OffsetDelete: per request version, topics by name (or by
 * id from v10 of OffsetCommit and OffsetFetch), one group per OffsetFetch before v8 and several after.
 * Commits and deletions for topics that do not exist are refused per topic, as Kafka does. With
 * OffsetFetch's require_stable (v7+), a partition whose offset is pending in an open transaction answers
 * UNSTABLE_OFFSET_COMMIT (offset -1), and the client retries.
 */
final class GroupOffsetsHandler {
    private static final long NO_OFFSET = -1L;
    private static final int NO_EPOCH = -1;

    private final GroupCoordinator groups;
    private final MetadataStore metadata;

    GroupOffsetsHandler(GroupCoordinator groups, MetadataStore metadata) {
        this.groups = groups;
        this.metadata = metadata;
    }

    // --- OffsetCommit ---

    CompletableFuture<OffsetCommitResponseData> commit(RequestContext ctx, OffsetCommitRequestData request) {
        short version = ctx.apiVersion();
        boolean byId = version >= 10;
        MetadataImage image = metadata.current();
        // Per request topic: its resolved name (null when unknown) and the error for an unknown one.
        List<String> names = new ArrayList<>();
        List<PartitionCommit> commits = new ArrayList<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
            Optional<TopicImage> found = byId ? image.topic(topic.topicId()) : image.topic(topic.name());
            String name = found.map(TopicImage::name).orElse(null);
            names.add(name);
            if (name == null) {
                continue;
            }
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                commits.add(new PartitionCommit(new TopicPartition(name, p.partitionIndex()), p.committedOffset(),
                        version >= 6 ? p.committedLeaderEpoch() : NO_EPOCH, p.committedMetadata()));
            }
        }
        CommitParams params = new CommitParams(request.groupId(), request.generationIdOrMemberEpoch(), request.memberId(),
                version >= 7 ? request.groupInstanceId() : null, commits, version >= 9);
        CompletableFuture<Map<TopicPartition, ErrorCode>> results = commits.isEmpty()
                ? CompletableFuture.completedFuture(Map.of()) : groups.commitOffsets(params);
        return results.thenApply(errors -> {
            OffsetCommitResponseData out = new OffsetCommitResponseData();
            int i = 0;
            for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
                String name = names.get(i++);
                OffsetCommitResponseData.OffsetCommitResponseTopic t = new OffsetCommitResponseData.OffsetCommitResponseTopic();
                if (byId) {
                    t.setTopicId(topic.topicId());
                } else {
                    t.setName(topic.name());
                }
                ErrorCode unknown = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
                for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                    ErrorCode e = name == null ? unknown
                            : errors.getOrDefault(new TopicPartition(name, p.partitionIndex()), ErrorCode.UNKNOWN_SERVER_ERROR);
                    t.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(e.code()));
                }
                out.topics().add(t);
            }
            return out;
        });
    }

    // --- TxnOffsetCommit ---

    CompletableFuture<TxnOffsetCommitResponseData> txnCommit(RequestContext ctx, TxnOffsetCommitRequestData request) {
        short version = ctx.apiVersion();
        MetadataImage image = metadata.current();
        List<PartitionCommit> commits = new ArrayList<>();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic topic : request.topics()) {
            if (image.topic(topic.name()).isEmpty()) {
                continue;
            }
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : topic.partitions()) {
                commits.add(new PartitionCommit(new TopicPartition(topic.name(), p.partitionIndex()), p.committedOffset(),
                        version >= 2 ? p.committedLeaderEpoch() : NO_EPOCH, p.committedMetadata()));
            }
        }
        TxnCommitParams params = new TxnCommitParams(request.transactionalId(), request.groupId(), request.producerId(),
                request.producerEpoch(), version >= 3 ? request.generationIdOrMemberEpoch() : -1,
                version >= 3 ? request.memberId() : "", version >= 3 ? request.groupInstanceId() : null, commits);
        CompletableFuture<Map<TopicPartition, ErrorCode>> results = commits.isEmpty()
                ? CompletableFuture.completedFuture(Map.of()) : groups.txnCommitOffsets(params);
        return results.thenApply(errors -> {
            TxnOffsetCommitResponseData out = new TxnOffsetCommitResponseData();
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic topic : request.topics()) {
                boolean known = image.topic(topic.name()).isPresent();
                TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic t =
                        new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(topic.name());
                for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : topic.partitions()) {
                    ErrorCode e = !known ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                            : errors.getOrDefault(new TopicPartition(topic.name(), p.partitionIndex()),
                            ErrorCode.UNKNOWN_SERVER_ERROR);
                    t.partitions().add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(e.code()));
                }
                out.topics().add(t);
            }
            return out;
        });
    }

    // --- OffsetFetch ---

    OffsetFetchResponseData fetch(RequestContext ctx, OffsetFetchRequestData request) {
        short version = ctx.apiVersion();
        OffsetFetchResponseData out = new OffsetFetchResponseData();
        if (version < 8) {
            fetchSingleGroup(version, request, out);
            return out;
        }
        MetadataImage image = metadata.current();
        boolean byId = version >= 10;
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : request.groups()) {
            OffsetFetchResponseData.OffsetFetchResponseGroup group = new OffsetFetchResponseData.OffsetFetchResponseGroup()
                    .setGroupId(g.groupId());
            out.groups().add(group);
            if (g.topics() == null) {
                FetchResult result = groups.fetchOffsets(g.groupId(), null, request.requireStable());
                group.setErrorCode(result.error().code());
                Map<TopicPartition, CommittedOffset> listed = new java.util.HashMap<>(result.offsets());
                result.unstable().forEach(tp -> listed.putIfAbsent(tp, null));
                byTopic(listed).forEach((topic, partitions) -> {
                    Optional<TopicImage> t = image.topic(topic);
                    if (byId && t.isEmpty()) {
                        return;
                    }
                    OffsetFetchResponseData.OffsetFetchResponseTopics rt = new OffsetFetchResponseData.OffsetFetchResponseTopics();
                    if (byId) {
                        rt.setTopicId(t.get().id());
                    } else {
                        rt.setName(topic);
                    }
                    partitions.forEach((partition, o) -> rt.partitions().add(stable(result, new TopicPartition(topic, partition))
                            ? partitionGroup(partition, o, ErrorCode.NONE)
                            : partitionGroup(partition, null, ErrorCode.UNSTABLE_OFFSET_COMMIT)));
                    group.topics().add(rt);
                });
                continue;
            }
            List<TopicPartition> wanted = new ArrayList<>();
            for (OffsetFetchRequestData.OffsetFetchRequestTopics t : g.topics()) {
                String name = byId ? image.topic(t.topicId()).map(TopicImage::name).orElse(null) : t.name();
                if (name != null) {
                    t.partitionIndexes().forEach(p -> wanted.add(new TopicPartition(name, p)));
                }
            }
            FetchResult result = groups.fetchOffsets(g.groupId(), wanted, request.requireStable());
            group.setErrorCode(result.error().code());
            if (result.error() != ErrorCode.NONE) {
                continue;
            }
            for (OffsetFetchRequestData.OffsetFetchRequestTopics t : g.topics()) {
                String name = byId ? image.topic(t.topicId()).map(TopicImage::name).orElse(null) : t.name();
                OffsetFetchResponseData.OffsetFetchResponseTopics rt = new OffsetFetchResponseData.OffsetFetchResponseTopics();
                if (byId) {
                    rt.setTopicId(t.topicId());
                } else {
                    rt.setName(t.name());
                }
                for (int p : t.partitionIndexes()) {
                    if (name == null) {
                        rt.partitions().add(partitionGroup(p, null, ErrorCode.UNKNOWN_TOPIC_ID));
                    } else if (!stable(result, new TopicPartition(name, p))) {
                        rt.partitions().add(partitionGroup(p, null, ErrorCode.UNSTABLE_OFFSET_COMMIT));
                    } else {
                        rt.partitions().add(partitionGroup(p, result.offsets().get(new TopicPartition(name, p)), ErrorCode.NONE));
                    }
                }
                group.topics().add(rt);
            }
        }
        return out;
    }

    private void fetchSingleGroup(short version, OffsetFetchRequestData request, OffsetFetchResponseData out) {
        List<TopicPartition> wanted = null;
        if (request.topics() != null) {
            wanted = new ArrayList<>();
            for (OffsetFetchRequestData.OffsetFetchRequestTopic t : request.topics()) {
                for (int p : t.partitionIndexes()) {
                    wanted.add(new TopicPartition(t.name(), p));
                }
            }
        }
        FetchResult result = groups.fetchOffsets(request.groupId(), wanted, version >= 7 && request.requireStable());
        if (version >= 2) {
            out.setErrorCode(result.error().code());
        }
        Map<String, Map<Integer, CommittedOffset>> topics = new LinkedHashMap<>();
        if (wanted == null) {
            topics.putAll(byTopic(result.offsets()));
            result.unstable().forEach(tp -> topics.computeIfAbsent(tp.topic(), t -> new java.util.TreeMap<>())
                    .putIfAbsent(tp.partition(), null));
        } else {
            for (TopicPartition tp : wanted) {
                topics.computeIfAbsent(tp.topic(), t -> new LinkedHashMap<>()).put(tp.partition(), result.offsets().get(tp));
            }
        }
        // Before v2 there is no group-level error: each partition carries it.
        ErrorCode partitionError = result.error();
        topics.forEach((topic, partitions) -> {
            OffsetFetchResponseData.OffsetFetchResponseTopic rt = new OffsetFetchResponseData.OffsetFetchResponseTopic()
                    .setName(topic);
            partitions.forEach((p, found) -> {
                boolean unstable = !stable(result, new TopicPartition(topic, p));
                CommittedOffset o = unstable ? null : found;
                OffsetFetchResponseData.OffsetFetchResponsePartition rp = new OffsetFetchResponseData.OffsetFetchResponsePartition()
                        .setPartitionIndex(p)
                        .setCommittedOffset(o == null ? NO_OFFSET : o.offset())
                        .setMetadata(o == null ? "" : o.metadata())
                        .setErrorCode(unstable && partitionError == ErrorCode.NONE
                                ? ErrorCode.UNSTABLE_OFFSET_COMMIT.code() : partitionError.code());
                if (version >= 5) {
                    rp.setCommittedLeaderEpoch(o == null ? NO_EPOCH : o.leaderEpoch());
                }
                rt.partitions().add(rp);
            });
            out.topics().add(rt);
        });
    }

    private static boolean stable(FetchResult result, TopicPartition tp) {
        return !result.unstable().contains(tp);
    }

    private static OffsetFetchResponseData.OffsetFetchResponsePartitions partitionGroup(int partition, CommittedOffset o,
                                                                                      ErrorCode error) {
        return new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                .setPartitionIndex(partition)
                .setCommittedOffset(o == null ? NO_OFFSET : o.offset())
                .setCommittedLeaderEpoch(o == null ? NO_EPOCH : o.leaderEpoch())
                .setMetadata(o == null ? "" : o.metadata())
                .setErrorCode(error.code());
    }

    private static Map<String, Map<Integer, CommittedOffset>> byTopic(Map<TopicPartition, CommittedOffset> offsets) {
        Map<String, Map<Integer, CommittedOffset>> out = new java.util.TreeMap<>();
        offsets.forEach((tp, o) -> out.computeIfAbsent(tp.topic(), t -> new java.util.TreeMap<>()).put(tp.partition(), o));
        return out;
    }

    // --- OffsetDelete ---

    OffsetDeleteResponseData delete(OffsetDeleteRequestData request) {
        MetadataImage image = metadata.current();
        List<TopicPartition> partitions = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : request.topics()) {
            if (image.topic(t.name()).isPresent()) {
                t.partitions().forEach(p -> partitions.add(new TopicPartition(t.name(), p.partitionIndex())));
            }
        }
        OffsetDeleteResult result = groups.deleteOffsets(request.groupId(), partitions);
        OffsetDeleteResponseData out = new OffsetDeleteResponseData().setErrorCode(result.error().code());
        if (result.error() != ErrorCode.NONE) {
            return out;
        }
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : request.topics()) {
            boolean exists = image.topic(t.name()).isPresent();
            OffsetDeleteResponseData.OffsetDeleteResponseTopic rt = out.topics().find(t.name());
            if (rt == null) {
                rt = new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(t.name());
                out.topics().add(rt);
            }
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : t.partitions()) {
                ErrorCode e = exists ? result.partitions().getOrDefault(new TopicPartition(t.name(), p.partitionIndex()),
                        ErrorCode.NONE) : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
                if (rt.partitions().find(p.partitionIndex()) == null) {
                    rt.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(e.code()));
                }
            }
        }
        return out;
    }
}
