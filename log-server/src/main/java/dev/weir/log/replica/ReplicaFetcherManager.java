package dev.weir.log.replica;

import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.config.BrokerConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * One {@link ReplicaFetcher} thread per leader broker this broker follows partitions of, created on
 * demand and stopped when it has nothing left to fetch or the leader's endpoint changed.
 *
 * <p>Thread-safety: all methods are synchronized (called from metadata updates and shutdown).
 */
final class ReplicaFetcherManager implements AutoCloseable {
    private final int nodeId;
    private final BrokerConfig config;
    private final ReplicaManager replicas;
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
    private boolean closed;

    ReplicaFetcherManager(int nodeId, BrokerConfig config, ReplicaManager replicas) {
        this.nodeId = nodeId;
        this.config = config;
        this.replicas = replicas;
    }

    /** Makes sure {@code partition} is fetched from {@code leader} at the partition's current leader epoch. */
    synchronized void follow(Partition partition, BrokerInfo leader) {
        if (closed) {
            return;
        }
        ReplicaFetcher fetcher = fetchers.get(leader.nodeId());
        if (fetcher != null && !fetcher.leader().host().equals(leader.host()) || fetcher != null
                && fetcher.leader().port() != leader.port()) {
            fetcher.close();
            fetchers.remove(leader.nodeId());
            fetcher = null;
        }
        if (fetcher == null) {
            fetcher = new ReplicaFetcher(nodeId, leader, config, replicas);
            fetchers.put(leader.nodeId(), fetcher);
            fetcher.start();
        }
        for (ReplicaFetcher other : fetchers.values()) {
            if (other != fetcher) {
                other.remove(partition.topicPartition());
            }
        }
        fetcher.add(partition);
    }

    synchronized void remove(TopicPartition tp) {
        fetchers.values().removeIf(f -> {
            f.remove(tp);
            if (f.isEmpty()) {
                f.close();
                return true;
            }
            return false;
        });
    }

    @Override
    public synchronized void close() {
        closed = true;
        fetchers.values().forEach(ReplicaFetcher::close);
        fetchers.clear();
    }
}
