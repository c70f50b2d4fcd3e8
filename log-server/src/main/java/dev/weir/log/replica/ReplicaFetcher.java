package dev.weir.log.replica;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.config.BrokerConfig;
import dev.weir.log.protocol.ErrorCode;
import dev.weir.log.protocol.InterBrokerClient;
import dev.weir.log.storage.EpochEndOffset;
import dev.weir.log.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread that replicates the partitions this broker follows from one leader broker, with the Fetch
 * API and this broker's node id as replica id. Before fetching a partition at a new leader epoch it
 * asks the leader, with OffsetForLeaderEpoch, where its own latest epoch ends on the leader and
 * truncates any divergent tail (records a deposed leader wrote that were never committed), repeating
 * until both agree. Then it appends what the leader sends and takes the leader's high watermark,
 * capped at its own log end.
 *
 * <p>A partition whose leader answers NOT_LEADER_OR_FOLLOWER or a leader-epoch error (one of the two
 * has not seen the newest metadata yet) is retried after a short pause; new metadata re-adds it at its
 * new epoch. Connection failures back off {@code replica.fetch.backoff.ms}.
 *
 * <p>Thread-safety: the partition set is concurrent; the client belongs to the fetch thread.
 */
final class ReplicaFetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    private static final int UNDEFINED_EPOCH = -1;
    private static final int MAX_TRUNCATION_ROUNDS = 10;
    private static final long PARK_MS = 200;

    private final int nodeId;
    private final BrokerInfo leader;
    private final ReplicaManager replicas;
    private final InterBrokerClient client;
    private final int maxWaitMs;
    private final int partitionMaxBytes;
    private final int responseMaxBytes;
    private final int backoffMs;
    private final Thread thread;
    private final Map<TopicPartition, State> partitions = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    /** One followed partition at the leader epoch it was added with. */
    private static final class State {
        final Partition partition;
        final int leaderEpoch;
        boolean truncated;
        long parkedUntilMs;

        boolean parked(long now) {
            return now < parkedUntilMs;
        }

        State(Partition partition) {
            this.partition = partition;
            this.leaderEpoch = partition.leaderEpoch();
        }
    }

    ReplicaFetcher(int nodeId, BrokerInfo leader, BrokerConfig config, ReplicaManager replicas) {
        this.nodeId = nodeId;
        this.leader = leader;
        this.replicas = replicas;
        this.client = new InterBrokerClient(leader.host(), leader.port(), "weir-replica-fetcher-" + nodeId,
                config.getInt("replica.socket.timeout.ms"));
        this.maxWaitMs = config.getInt("replica.fetch.wait.max.ms");
        this.partitionMaxBytes = config.getInt("replica.fetch.max.bytes");
        this.responseMaxBytes = config.getInt("replica.fetch.response.max.bytes");
        this.backoffMs = config.getInt("replica.fetch.backoff.ms");
        this.thread = new Thread(this::run, "weir-replica-fetcher-" + nodeId + "-from-" + leader.nodeId());
        this.thread.setDaemon(true);
    }

    BrokerInfo leader() {
        return leader;
    }

    void start() {
        thread.start();
    }

    void add(Partition partition) {
        partitions.compute(partition.topicPartition(), (tp, existing) ->
                existing != null && existing.partition == partition && existing.leaderEpoch == partition.leaderEpoch()
                        ? existing : new State(partition));
        synchronized (this) {
            notifyAll();
        }
    }

    void remove(TopicPartition tp) {
        partitions.remove(tp);
    }

    boolean isEmpty() {
        return partitions.isEmpty();
    }

    private void run() {
        while (running) {
            try {
                long now = System.currentTimeMillis();
                List<State> active = partitions.values().stream().filter(s -> !s.parked(now)).toList();
                if (active.isEmpty()) {
                    synchronized (this) {
                        wait(100);
                    }
                    continue;
                }
                List<State> untruncated = active.stream().filter(s -> !s.truncated).toList();
                if (!untruncated.isEmpty()) {
                    truncate(untruncated);
                }
                long later = System.currentTimeMillis();
                List<State> ready = active.stream().filter(s -> s.truncated && !s.parked(later)).toList();
                if (!ready.isEmpty()) {
                    fetch(ready);
                }
            } catch (IOException e) {
                if (running) {
                    log.info("fetching from broker {} ({}:{}) failed: {}; retrying in {} ms", leader.nodeId(),
                            leader.host(), leader.port(), e.getMessage(), backoffMs);
                    pause(backoffMs);
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("replica fetcher for broker {} failed; retrying in {} ms", leader.nodeId(), backoffMs, e);
                    pause(backoffMs);
                }
            }
        }
        client.close();
    }

    /** Truncates each partition's divergent tail, if any, with OffsetForLeaderEpoch (KIP-101/279). */
    private void truncate(List<State> states) throws IOException {
        for (State s : states) {
            PartitionLog log = s.partition.log();
            for (int round = 0; round < MAX_TRUNCATION_ROUNDS && !s.truncated; round++) {
                OptionalInt latest = log.latestEpoch();
                if (latest.isEmpty()) {
                    s.truncated = true; // nothing with an epoch: nothing can diverge
                    break;
                }
                OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData().setReplicaId(nodeId);
                OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic =
                        new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(s.partition.topicPartition().topic());
                topic.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
                        .setPartition(s.partition.topicPartition().partition())
                        .setCurrentLeaderEpoch(s.leaderEpoch)
                        .setLeaderEpoch(latest.getAsInt()));
                request.topics().add(topic);
                OffsetForLeaderEpochResponseData response = client.offsetForLeaderEpoch(request);
                OffsetForLeaderEpochResponseData.EpochEndOffset answer = response.topics().iterator().next().partitions().get(0);
                if (answer.errorCode() != ErrorCode.NONE.code()) {
                    parkOnError(s, answer.errorCode());
                    return;
                }
                long truncateTo;
                if (answer.leaderEpoch() == UNDEFINED_EPOCH || answer.endOffset() < 0) {
                    truncateTo = s.partition.highWatermark();
                } else if (answer.leaderEpoch() == latest.getAsInt()) {
                    truncateTo = Math.min(answer.endOffset(), log.logEndOffset());
                } else {
                    EpochEndOffset mine = log.endOffsetForEpoch(answer.leaderEpoch());
                    truncateTo = Math.min(answer.endOffset(), mine.endOffset() < 0 ? log.logEndOffset() : mine.endOffset());
                }
                if (truncateTo < log.logEndOffset()) {
                    ReplicaFetcher.log.info("{}: truncating divergent tail {} -> {} (leader {} epoch {} ends at {})",
                            s.partition.topicPartition(), log.logEndOffset(), truncateTo, leader.nodeId(),
                            answer.leaderEpoch(), answer.endOffset());
                    log.truncateTo(truncateTo);
                    s.partition.onTruncated();
                }
                OptionalInt after = log.latestEpoch();
                // Done once our latest epoch is one the leader knows to end where we end.
                if (after.isEmpty() || after.getAsInt() <= answer.leaderEpoch() || truncateTo >= log.logEndOffset()) {
                    s.truncated = true;
                }
            }
            s.truncated = true;
        }
    }

    private void fetch(List<State> states) throws IOException {
        FetchRequestData request = new FetchRequestData()
                .setMaxWaitMs(maxWaitMs)
                .setMinBytes(1)
                .setMaxBytes(responseMaxBytes)
                .setIsolationLevel((byte) 0)
                .setSessionId(0)
                .setSessionEpoch(-1);
        request.replicaState().setReplicaId(nodeId).setReplicaEpoch(-1);
        Map<Uuid, FetchRequestData.FetchTopic> topics = new LinkedHashMap<>();
        Map<TopicPartition, State> byPartition = new LinkedHashMap<>();
        for (State s : states) {
            Partition p = s.partition;
            FetchRequestData.FetchTopic topic = topics.computeIfAbsent(p.topicId(), id -> {
                FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic()
                        .setTopic(p.topicPartition().topic()).setTopicId(id);
                request.topics().add(t);
                return t;
            });
            PartitionLog log = p.log();
            topic.partitions().add(new FetchRequestData.FetchPartition()
                    .setPartition(p.topicPartition().partition())
                    .setCurrentLeaderEpoch(s.leaderEpoch)
                    .setFetchOffset(log.logEndOffset())
                    .setLastFetchedEpoch(log.latestEpoch().orElse(UNDEFINED_EPOCH))
                    .setLogStartOffset(log.logStartOffset())
                    .setPartitionMaxBytes(partitionMaxBytes));
            byPartition.put(p.topicPartition(), s);
        }
        FetchResponseData response = client.fetch(request);
        if (response.errorCode() != ErrorCode.NONE.code()) {
            throw new IOException("fetch failed with error code " + response.errorCode());
        }
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            for (FetchResponseData.PartitionData data : topic.partitions()) {
                State s = stateOf(byPartition, topic, data);
                if (s == null || partitions.get(s.partition.topicPartition()) != s) {
                    continue; // removed meanwhile
                }
                handle(s, data);
            }
        }
    }

    private static State stateOf(Map<TopicPartition, State> byPartition, FetchResponseData.FetchableTopicResponse topic,
                                 FetchResponseData.PartitionData data) {
        for (State s : byPartition.values()) {
            if ((s.partition.topicId().equals(topic.topicId()) || s.partition.topicPartition().topic().equals(topic.topic()))
                    && s.partition.topicPartition().partition() == data.partitionIndex()) {
                return s;
            }
        }
        return null;
    }

    private void handle(State s, FetchResponseData.PartitionData data) {
        Partition p = s.partition;
        PartitionLog log = p.log();
        short error = data.errorCode();
        if (error == ErrorCode.NONE.code()) {
            ByteBuffer records = InterBrokerClient.recordsOf(data);
            if (records.hasRemaining()) {
                log.appendAsFollower(records);
            }
            p.updateFollowerHighWatermark(data.highWatermark());
            return;
        }
        if (error == ErrorCode.OFFSET_OUT_OF_RANGE.code()) {
            if (data.logStartOffset() > log.logEndOffset()) {
                ReplicaFetcher.log.info("{}: behind the leader's log start {}; restarting the log there",
                        p.topicPartition(), data.logStartOffset());
                log.truncateFullyAndStartAt(data.logStartOffset());
                p.onTruncated();
            } else {
                s.truncated = false; // ahead of the leader: find where we diverge
            }
            return;
        }
        parkOnError(s, error);
    }

    /** The leader disagrees about leadership (its metadata or ours is behind): retry shortly; new metadata re-adds. */
    private void parkOnError(State s, short error) {
        ReplicaFetcher.log.debug("{}: leader {} answered {}; retrying", s.partition.topicPartition(),
                leader.nodeId(), ErrorCode.forCode(error));
        s.parkedUntilMs = System.currentTimeMillis() + PARK_MS;
    }

    private void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        client.close();
    }
}
