package dev.weir.log.api;

import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.RequestContext;
import dev.weir.log.protocol.WireRecords;
import dev.weir.log.replica.FetchIsolation;
import dev.weir.log.replica.FetchParams;
import dev.weir.log.replica.FetchPurgatory;
import dev.weir.log.replica.Partition;
import dev.weir.log.replica.ReadResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;

/**
 * Fetch for consumers and followers. Consumers read each partition below its high watermark (or, with
 * isolation.level=read_committed, below its last stable offset, with the aborted transactions overlapping the
 * records returned), within the per-partition and per-response byte limits, and long-poll (max.wait.ms)
 * until min.bytes are there. A follower (replica id >= 0) reads up to the log end, and its fetch offset
 * tells the leader how far it has replicated, which moves the high watermark and the ISR. Fetch
 * sessions are not kept: every response is full and carries session id 0, which clients accept.
 */
final class FetchHandler {
    private static final int NO_EPOCH = -1;

    private final MetadataStore metadata;
    private final PartitionLookup partitions;
    private final FetchPurgatory purgatory;

    FetchHandler(MetadataStore metadata, PartitionLookup partitions, FetchPurgatory purgatory) {
        this.metadata = metadata;
        this.partitions = partitions;
        this.purgatory = purgatory;
    }

    /** A partition named in the request, resolved once. */
    private record Wanted(FetchRequestData.FetchTopic topic, String name, FetchRequestData.FetchPartition partition) {}

    CompletableFuture<FetchResponseData> fetch(RequestContext ctx, FetchRequestData request) {
        List<Wanted> wanted = resolve(ctx, request);
        FetchResponseData first = read(ctx, wanted, request);
        int bytes = WireRecords.fetchedBytes(first);
        if (request.maxWaitMs() <= 0 || bytes >= request.minBytes() || hasErrors(first) || wanted.isEmpty()) {
            return CompletableFuture.completedFuture(first);
        }
        CompletableFuture<FetchResponseData> result = new CompletableFuture<>();
        List<TopicPartition> watched = wanted.stream()
                .map(w -> new TopicPartition(w.name(), w.partition().partition())).toList();
        purgatory.watch(watched, request.maxWaitMs(), expired -> {
            FetchResponseData again = read(ctx, wanted, request);
            if (expired || WireRecords.fetchedBytes(again) >= request.minBytes() || hasErrors(again)) {
                result.complete(again);
                return true;
            }
            return false;
        });
        return result;
    }

    private List<Wanted> resolve(RequestContext ctx, FetchRequestData request) {
        MetadataImage image = metadata.current();
        List<Wanted> out = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : request.topics()) {
            String name = topic.topic();
            if (ctx.apiVersion() >= 13) {
                name = image.topic(topic.topicId()).map(TopicImage::name).orElse(null);
            }
            for (FetchRequestData.FetchPartition p : topic.partitions()) {
                out.add(new Wanted(topic, name, p));
            }
        }
        return out;
    }

    private static int replicaId(RequestContext ctx, FetchRequestData request) {
        return ctx.apiVersion() >= 15 ? request.replicaState().replicaId() : request.replicaId();
    }

    private FetchResponseData read(RequestContext ctx, List<Wanted> wanted, FetchRequestData request) {
        FetchResponseData response = new FetchResponseData().setSessionId(0).setErrorCode(ErrorCode.NONE.code());
        int replicaId = replicaId(ctx, request);
        boolean fromFollower = replicaId >= 0;
        FetchIsolation isolation = FetchIsolation.of(replicaId, request.isolationLevel());
        boolean readCommitted = isolation == FetchIsolation.TXN_COMMITTED;
        long now = System.currentTimeMillis();
        int remaining = request.maxBytes();
        FetchResponseData.FetchableTopicResponse current = null;
        FetchRequestData.FetchTopic currentTopic = null;
        for (Wanted w : wanted) {
            if (w.topic() != currentTopic) {
                currentTopic = w.topic();
                current = new FetchResponseData.FetchableTopicResponse().setTopic(w.topic().topic())
                        .setTopicId(w.topic().topicId());
                response.responses().add(current);
            }
            PartitionData out = new PartitionData()
                    .setPartitionIndex(w.partition().partition())
                    .setAbortedTransactions(readCommitted ? new ArrayList<>() : null)
                    .setRecords(WireRecords.empty());
            current.partitions().add(out);
            if (w.name() == null) {
                out.setErrorCode(ErrorCode.UNKNOWN_TOPIC_ID.code());
                continue;
            }
            try {
                Partition partition = partitions.leader(w.name(), w.partition().partition());
                checkLeaderEpoch(partition, w.partition().currentLeaderEpoch());
                if (fromFollower) {
                    partition.onFollowerFetch(replicaId, w.partition().fetchOffset(), now,
                            partitions.replicas().isrProposals());
                }
                int maxBytes = Math.min(w.partition().partitionMaxBytes(), Math.max(remaining, 0));
                // KIP-74: the first non-empty partition may exceed the limits so a large batch still moves.
                boolean minOneMessage = remaining == request.maxBytes();
                ReadResult read = partition.read(
                        new FetchParams(w.partition().fetchOffset(), maxBytes, minOneMessage), isolation);
                out.setHighWatermark(read.highWatermark()).setLastStableOffset(read.lastStableOffset())
                        .setLogStartOffset(read.logStartOffset()).setRecords(WireRecords.ofSlice(read.records()));
                // The consumer drops the records of these producers from each first offset to their ABORT marker.
                for (ReadResult.AbortedTransaction t : read.abortedTransactions()) {
                    out.abortedTransactions().add(new FetchResponseData.AbortedTransaction()
                            .setProducerId(t.producerId()).setFirstOffset(t.firstOffset()));
                }
                remaining -= read.sizeInBytes();
            } catch (RuntimeException e) {
                out.setErrorCode(ErrorCode.of(e));
                partitionOf(w).ifPresent(p -> out.setHighWatermark(p.highWatermark())
                        .setLastStableOffset(p.lastStableOffset()).setLogStartOffset(p.logStartOffset()));
            }
        }
        return response;
    }

    private Optional<Partition> partitionOf(Wanted w) {
        return partitions.replicas().partition(new TopicPartition(w.name(), w.partition().partition()));
    }

    private static void checkLeaderEpoch(Partition partition, int requestEpoch) {
        if (requestEpoch == NO_EPOCH) {
            return;
        }
        if (requestEpoch < partition.leaderEpoch()) {
            throw new FencedLeaderEpochException("leader epoch " + requestEpoch + " is older than "
                    + partition.leaderEpoch());
        }
        if (requestEpoch > partition.leaderEpoch()) {
            throw new UnknownLeaderEpochException("leader epoch " + requestEpoch + " is newer than "
                    + partition.leaderEpoch());
        }
    }

    private static boolean hasErrors(FetchResponseData response) {
        return response.responses().stream().flatMap(t -> t.partitions().stream())
                .anyMatch(p -> p.errorCode() != ErrorCode.NONE.code());
    }
}
