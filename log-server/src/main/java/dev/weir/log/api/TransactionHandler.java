package dev.weir.log.api;

import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.group.GroupCoordinator;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.RequestContext;
import dev.weir.log.txn.ProducerIdAllocator;
import dev.weir.log.txn.TransactionCoordinator;
import dev.weir.log.txn.TxnOperations.InitResult;
import dev.weir.log.txn.TxnOperations.ListResult;
import dev.weir.log.txn.TxnOperations.TransactionDescription;
import dev.weir.log.txn.TxnOperations.TransactionListing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;

/**
 * InitProducerId (an idempotent producer's new id, or a transactional id's), AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
 * DescribeTransactions and ListTransactions: translates each request version into a
 * {@link TransactionCoordinator} operation and its result back into that version's response.
 *
 * <p>Versions: the classic protocol only. EndTxn is capped at v4 and the broker advertises no
 * {@code transaction.version} feature, so clients never use KIP-890's epoch bump per transaction.
 * AddPartitionsToTxn v0-3 are the client form; v4+ (batched, with VerifyOnly) is the broker form.
 * PRODUCER_FENCED exists from InitProducerId v4 and AddPartitionsToTxn/AddOffsetsToTxn/EndTxn v2; older
 * versions get INVALID_PRODUCER_EPOCH instead, as in Kafka.
 */
final class TransactionHandler {
    private final TransactionCoordinator txns;
    private final GroupCoordinator groups;
    private final MetadataStore metadata;
    private final ProducerIdAllocator producerIds;

    TransactionHandler(TransactionCoordinator txns, GroupCoordinator groups, MetadataStore metadata,
                       ProducerIdAllocator producerIds) {
        this.txns = txns;
        this.groups = groups;
        this.metadata = metadata;
        this.producerIds = producerIds;
    }

    private static ErrorCode fenced(ErrorCode error, short version, int firstFencedVersion) {
        return error == ErrorCode.PRODUCER_FENCED && version < firstFencedVersion ? ErrorCode.INVALID_PRODUCER_EPOCH : error;
    }

    CompletableFuture<InitProducerIdResponseData> initProducerId(RequestContext ctx, InitProducerIdRequestData request) {
        if (request.transactionalId() == null) {
            // An idempotent producer without a transactional id always starts afresh with a new id.
            return CompletableFuture.completedFuture(new InitProducerIdResponseData()
                    .setProducerId(producerIds.nextProducerId()).setProducerEpoch((short) 0));
        }
        short version = ctx.apiVersion();
        long pid = version >= 3 ? request.producerId() : -1;
        short epoch = version >= 3 ? request.producerEpoch() : -1;
        return txns.initProducerId(request.transactionalId(), request.transactionTimeoutMs(), pid, epoch)
                .thenApply((InitResult r) -> new InitProducerIdResponseData()
                        .setErrorCode(fenced(r.error(), version, 4).code())
                        .setProducerId(r.producerId()).setProducerEpoch(r.producerEpoch()));
    }

    // --- AddPartitionsToTxn ---

    CompletableFuture<AddPartitionsToTxnResponseData> addPartitionsToTxn(RequestContext ctx,
                                                                        AddPartitionsToTxnRequestData request) {
        short version = ctx.apiVersion();
        if (version <= 3) {
            return addPartitions(request.v3AndBelowTransactionalId(), request.v3AndBelowProducerId(),
                    request.v3AndBelowProducerEpoch(), request.v3AndBelowTopics(), false, version)
                    .thenApply(results -> new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(results));
        }
        AddPartitionsToTxnResponseData out = new AddPartitionsToTxnResponseData().setErrorCode(ErrorCode.NONE.code());
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction t : request.transactions()) {
            AddPartitionsToTxnResponseData.AddPartitionsToTxnResult result =
                    new AddPartitionsToTxnResponseData.AddPartitionsToTxnResult().setTransactionalId(t.transactionalId());
            out.resultsByTransaction().add(result);
            all.add(addPartitions(t.transactionalId(), t.producerId(), t.producerEpoch(), t.topics(), t.verifyOnly(),
                    version).thenAccept(result::setTopicResults));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> out);
    }

    private CompletableFuture<AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection> addPartitions(
            String transactionalId, long producerId, short producerEpoch,
            AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics, boolean verifyOnly, short version) {
        MetadataImage image = metadata.current();
        Set<TopicPartition> partitions = new LinkedHashSet<>();
        Map<TopicPartition, ErrorCode> unknown = new HashMap<>();
        for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic topic : topics) {
            Optional<TopicImage> t = image.topic(topic.name());
            for (int p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p);
                if (t.isEmpty() || p < 0 || p >= t.get().partitions().size()) {
                    unknown.put(tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    partitions.add(tp);
                }
            }
        }
        if (!unknown.isEmpty()) {
            // As Kafka: nothing is added when some partition cannot be; the others were not attempted.
            Map<TopicPartition, ErrorCode> errors = new HashMap<>(unknown);
            partitions.forEach(tp -> errors.put(tp, ErrorCode.OPERATION_NOT_ATTEMPTED));
            return CompletableFuture.completedFuture(topicResults(errors));
        }
        if (verifyOnly) {
            return CompletableFuture.completedFuture(topicResults(
                    txns.verifyPartitions(transactionalId, producerId, producerEpoch, partitions)));
        }
        return txns.addPartitions(transactionalId, producerId, producerEpoch, partitions).thenApply(error -> {
            Map<TopicPartition, ErrorCode> errors = new HashMap<>();
            ErrorCode e = fenced(error, version, 2);
            partitions.forEach(tp -> errors.put(tp, e));
            return topicResults(errors);
        });
    }

    private static AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection topicResults(
            Map<TopicPartition, ErrorCode> errors) {
        Map<String, Map<Integer, ErrorCode>> byTopic = new TreeMap<>();
        errors.forEach((tp, e) -> byTopic.computeIfAbsent(tp.topic(), t -> new TreeMap<>()).put(tp.partition(), e));
        AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection out =
                new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection();
        byTopic.forEach((topic, partitions) -> {
            AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult t =
                    new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult().setName(topic);
            partitions.forEach((p, e) -> t.resultsByPartition().add(
                    new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult()
                            .setPartitionIndex(p).setPartitionErrorCode(e.code())));
            out.add(t);
        });
        return out;
    }

    // --- AddOffsetsToTxn, EndTxn ---

    CompletableFuture<AddOffsetsToTxnResponseData> addOffsetsToTxn(RequestContext ctx, AddOffsetsToTxnRequestData request) {
        if (request.groupId() == null || request.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData()
                    .setErrorCode(ErrorCode.INVALID_GROUP_ID.code()));
        }
        try {
            groups.ensureOffsetsTopic(); // the partition must exist to receive the transaction's marker
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData()
                    .setErrorCode(ErrorCode.COORDINATOR_NOT_AVAILABLE.code()));
        }
        TopicPartition offsets = new TopicPartition(GroupCoordinator.OFFSETS_TOPIC, groups.partitionFor(request.groupId()));
        return txns.addPartitions(request.transactionalId(), request.producerId(), request.producerEpoch(), Set.of(offsets))
                .thenApply(error -> new AddOffsetsToTxnResponseData()
                        .setErrorCode(fenced(error, ctx.apiVersion(), 2).code()));
    }

    CompletableFuture<EndTxnResponseData> endTxn(RequestContext ctx, EndTxnRequestData request) {
        return txns.endTxn(request.transactionalId(), request.producerId(), request.producerEpoch(), request.committed())
                .thenApply(error -> new EndTxnResponseData().setErrorCode(fenced(error, ctx.apiVersion(), 2).code()));
    }

    // --- DescribeTransactions, ListTransactions ---

    DescribeTransactionsResponseData describeTransactions(DescribeTransactionsRequestData request) {
        DescribeTransactionsResponseData out = new DescribeTransactionsResponseData();
        for (String id : request.transactionalIds()) {
            TransactionDescription d = txns.describe(id);
            DescribeTransactionsResponseData.TransactionState state = new DescribeTransactionsResponseData.TransactionState()
                    .setTransactionalId(id).setErrorCode(d.error().code()).setTransactionState(d.state())
                    .setTransactionTimeoutMs(d.timeoutMs()).setTransactionStartTimeMs(d.startMs())
                    .setProducerId(d.producerId()).setProducerEpoch(d.producerEpoch());
            Map<String, List<Integer>> byTopic = new TreeMap<>();
            d.partitions().forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
            byTopic.forEach((topic, partitions) -> state.topics().add(
                    new DescribeTransactionsResponseData.TopicData().setTopic(topic).setPartitions(partitions)));
            out.transactionStates().add(state);
        }
        return out;
    }

    ListTransactionsResponseData listTransactions(RequestContext ctx, ListTransactionsRequestData request) {
        short version = ctx.apiVersion();
        ListResult result = txns.list(request.stateFilters(), request.producerIdFilters(),
                version >= 1 ? request.durationFilter() : -1, version >= 2 ? request.transactionalIdPattern() : null);
        ListTransactionsResponseData out = new ListTransactionsResponseData().setErrorCode(result.error().code())
                .setUnknownStateFilters(new ArrayList<>(result.unknownStates()));
        for (TransactionListing t : result.transactions()) {
            out.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                    .setTransactionalId(t.transactionalId()).setProducerId(t.producerId()).setTransactionState(t.state()));
        }
        return out;
    }
}
