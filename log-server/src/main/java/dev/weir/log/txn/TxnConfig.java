package dev.weir.log.txn;

import dev.weir.log.config.BrokerConfig;

/**
 * The transaction coordinator's settings, read once from the broker config under Kafka's names.
 *
 * @param stateTopicPartitions        {@code transaction.state.log.num.partitions}
 * @param stateTopicReplicationFactor {@code transaction.state.log.replication.factor}, capped at the cluster size
 * @param maxTimeoutMs                {@code transaction.max.timeout.ms}: the largest timeout a producer may ask for
 * @param abortCheckIntervalMs        {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}
 * @param idExpirationMs              {@code transactional.id.expiration.ms}: an idle id without a transaction is
 *                                    removed after this long
 * @param requestTimeoutMs            {@code request.timeout.ms}: socket timeout of WriteTxnMarkers requests, and how
 *                                    long a write to {@code __transaction_state} waits for its ISR
 */
public record TxnConfig(int stateTopicPartitions, int stateTopicReplicationFactor, int maxTimeoutMs,
                        long abortCheckIntervalMs, long idExpirationMs, int requestTimeoutMs) {

    public static TxnConfig from(BrokerConfig broker) {
        return new TxnConfig(
                broker.getInt("transaction.state.log.num.partitions"),
                // As for __consumer_offsets: a standalone broker, or a cluster smaller than the factor, gets what
                // its size allows.
                Math.min(broker.getInt("transaction.state.log.replication.factor"),
                        broker.getString("cluster.listen").isBlank() ? 1 : Math.max(1, broker.getList("cluster.members").size())),
                broker.getInt("transaction.max.timeout.ms"),
                broker.getLong("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
                broker.getLong("transactional.id.expiration.ms"),
                broker.getInt("request.timeout.ms"));
    }
}
