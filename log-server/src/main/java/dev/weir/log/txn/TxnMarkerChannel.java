package dev.weir.log.txn;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.InterBrokerClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the COMMIT or ABORT markers of a completing transaction: sends WriteTxnMarkers to the current
 * leader of every partition of the transaction (this broker included, through its own listener, so one
 * broker and a cluster take the same path) and retries with backoff until each partition has its marker
 * or is gone (its topic deleted or shrunk). A job is dropped, unfinished, once it is no longer
 * {@linkplain MarkerJob#active() active} (its coordinator shard was unloaded: the new coordinator resends
 * from its own state) or a leader says the coordinator is fenced.
 *
 * <p>Per-partition errors: NONE is done; INVALID_PRODUCER_EPOCH and TRANSACTION_COORDINATOR_FENCED mean a
 * newer coordinator or producer epoch already reached the partition, so this job stops; anything else
 * (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, a broker that is down or does
 * not implement WriteTxnMarkers, ...) is retried against fresh metadata.
 *
 * <p>Threading: one daemon thread runs every attempt, so the blocking {@link MarkerWriter} needs no
 * locking; a broker that does not answer delays the others by up to the socket timeout per attempt.
 */
final class TxnMarkerChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TxnMarkerChannel.class);
    static final long INITIAL_BACKOFF_MS = 50;
    static final long MAX_BACKOFF_MS = 1000;

    /** Sends one WriteTxnMarkers request to a broker; called on the channel's thread only. */
    interface MarkerWriter extends AutoCloseable {
        WriteTxnMarkersResponseData write(BrokerInfo broker, WriteTxnMarkersRequestData request) throws IOException;

        @Override
        void close();
    }

    /**
     * The markers of one transaction.
     *
     * @param coordinatorEpoch the leader epoch of the coordinator's {@code __transaction_state} partition, with
     *                         which partition leaders fence markers of an older coordinator
     * @param active           false once the coordinator gave the transaction up (shard unloaded)
     */
    record MarkerJob(String transactionalId, long producerId, short producerEpoch, boolean commit, int coordinatorEpoch,
                     Set<TopicPartition> partitions, BooleanSupplier active) {}

    /** How a job ended. */
    enum Outcome { WRITTEN, ABANDONED }

    private final MetadataStore metadata;
    private final MarkerWriter writer;
    private final ScheduledExecutorService thread;

    TxnMarkerChannel(MetadataStore metadata, MarkerWriter writer) {
        this.metadata = metadata;
        this.writer = writer;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weir-txn-markers");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts writing the job's markers; the future completes with WRITTEN or ABANDONED, never exceptionally. */
    CompletableFuture<Outcome> send(MarkerJob job) {
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        Attempt attempt = new Attempt(job, done);
        if (!schedule(attempt, 0)) {
            done.complete(Outcome.ABANDONED);
        }
        return done;
    }

    private boolean schedule(Attempt attempt, long delayMs) {
        try {
            thread.schedule(attempt, delayMs, TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false; // closing
        }
    }

    /** One job with the partitions still lacking their marker; rescheduled until none is left. */
    private final class Attempt implements Runnable {
        private final MarkerJob job;
        private final CompletableFuture<Outcome> done;
        private final Set<TopicPartition> remaining;
        private long backoffMs = INITIAL_BACKOFF_MS;
        private int attempts;

        Attempt(MarkerJob job, CompletableFuture<Outcome> done) {
            this.job = job;
            this.done = done;
            this.remaining = new LinkedHashSet<>(job.partitions());
        }

        @Override
        public void run() {
            try {
                runOnce();
            } catch (RuntimeException e) {
                log.error("writing the markers of transactional id '{}' failed; retrying", job.transactionalId(), e);
                retry("an internal error: " + e);
            }
        }

        private void runOnce() {
            if (!job.active().getAsBoolean()) {
                done.complete(Outcome.ABANDONED);
                return;
            }
            attempts++;
            MetadataImage image = metadata.current();
            Map<Integer, List<TopicPartition>> byLeader = new TreeMap<>();
            List<String> problems = new ArrayList<>();
            for (TopicPartition tp : new ArrayList<>(remaining)) {
                Optional<TopicImage> topic = image.topic(tp.topic());
                if (topic.isEmpty() || tp.partition() >= topic.get().partitions().size()) {
                    remaining.remove(tp); // the partition is gone: nobody can read its records any more
                    log.info("transactional id '{}': {} no longer exists, no marker needed", job.transactionalId(), tp);
                    continue;
                }
                PartitionImage p = topic.get().partitions().get(tp.partition());
                if (p.leader() == PartitionImage.NO_LEADER || !image.brokers().containsKey(p.leader())) {
                    problems.add(tp + " has no live leader");
                    continue;
                }
                byLeader.computeIfAbsent(p.leader(), b -> new ArrayList<>()).add(tp);
            }
            for (Map.Entry<Integer, List<TopicPartition>> e : byLeader.entrySet()) {
                BrokerInfo leader = image.brokers().get(e.getKey());
                WriteTxnMarkersResponseData response;
                try {
                    response = writer.write(leader, request(e.getValue()));
                } catch (IOException ex) {
                    // A broker without WriteTxnMarkers closes the connection: that shows as an EOFException.
                    problems.add("broker " + leader.nodeId() + " (" + leader.host() + ":" + leader.port() + "): "
                            + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
                    continue;
                }
                if (!apply(response, e.getValue(), problems)) {
                    log.info("transactional id '{}': a partition leader reports a newer producer epoch or coordinator;"
                            + " this coordinator stops writing its markers", job.transactionalId());
                    done.complete(Outcome.ABANDONED);
                    return;
                }
            }
            if (remaining.isEmpty()) {
                done.complete(Outcome.WRITTEN);
                return;
            }
            retry(String.join("; ", problems));
        }

        private void retry(String why) {
            if (attempts == 1 || attempts % 50 == 0) {
                log.warn("transactional id '{}': {} marker(s) not written yet after {} attempt(s): {}; retrying",
                        job.transactionalId(), remaining.size(), attempts, why);
            }
            long delay = backoffMs;
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            if (!schedule(this, delay)) {
                done.complete(Outcome.ABANDONED);
            }
        }

        private WriteTxnMarkersRequestData request(List<TopicPartition> partitions) {
            Map<String, List<Integer>> byTopic = new TreeMap<>();
            partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
            WriteTxnMarkersRequestData.WritableTxnMarker marker = new WriteTxnMarkersRequestData.WritableTxnMarker()
                    .setProducerId(job.producerId()).setProducerEpoch(job.producerEpoch())
                    .setTransactionResult(job.commit()).setCoordinatorEpoch(job.coordinatorEpoch());
            byTopic.forEach((topic, indexes) -> marker.topics().add(
                    new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName(topic).setPartitionIndexes(indexes)));
            return new WriteTxnMarkersRequestData().setMarkers(new ArrayList<>(List.of(marker)));
        }

        /** Removes the partitions that got their marker; false when the coordinator must stop. */
        private boolean apply(WriteTxnMarkersResponseData response, List<TopicPartition> sent, List<String> problems) {
            Map<TopicPartition, ErrorCode> errors = new HashMap<>();
            for (WriteTxnMarkersResponseData.WritableTxnMarkerResult result : response.markers()) {
                if (result.producerId() != job.producerId()) {
                    continue;
                }
                for (WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult t : result.topics()) {
                    for (WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult p : t.partitions()) {
                        errors.put(new TopicPartition(t.name(), p.partitionIndex()), ErrorCode.forCode(p.errorCode()));
                    }
                }
            }
            for (TopicPartition tp : sent) {
                ErrorCode error = errors.getOrDefault(tp, ErrorCode.UNKNOWN_SERVER_ERROR);
                switch (error) {
                    case NONE -> remaining.remove(tp);
                    case INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED -> {
                        return false;
                    }
                    default -> problems.add(tp + ": " + error);
                }
            }
            return true;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.close();
    }

    /** The real writer: one {@link InterBrokerClient} per broker, reconnecting when a broker's address changes. */
    static final class InterBrokerWriter implements MarkerWriter {
        private final int localNode;
        private final int socketTimeoutMs;
        private final Map<Integer, InterBrokerClient> clients = new HashMap<>();
        private final Map<Integer, String> addresses = new HashMap<>();

        InterBrokerWriter(int localNode, int socketTimeoutMs) {
            this.localNode = localNode;
            this.socketTimeoutMs = socketTimeoutMs;
        }

        @Override
        public WriteTxnMarkersResponseData write(BrokerInfo broker, WriteTxnMarkersRequestData request) throws IOException {
            String address = broker.host() + ":" + broker.port();
            InterBrokerClient client = clients.get(broker.nodeId());
            if (client == null || !address.equals(addresses.get(broker.nodeId()))) {
                if (client != null) {
                    client.close();
                }
                client = new InterBrokerClient(broker.host(), broker.port(), "weir-txn-markers-" + localNode,
                        socketTimeoutMs);
                clients.put(broker.nodeId(), client);
                addresses.put(broker.nodeId(), address);
            }
            return client.writeTxnMarkers(request);
        }

        @Override
        public void close() {
            clients.values().forEach(InterBrokerClient::close);
            clients.clear();
        }
    }
}
