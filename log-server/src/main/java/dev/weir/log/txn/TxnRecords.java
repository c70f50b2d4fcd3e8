package dev.weir.log.txn;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Weir's binary format for the records of {@code __transaction_state}. The key is the transactional
 * id, so compaction keeps the last state of each; a tombstone (null value) removes an expired id.
 * Big-endian; a string is an int16 byte length (-1 for null) then UTF-8.
 *
 * <pre>
 * key    int16 type (0 = transaction), string transactional id
 * value (version 0)
 *        int16 version, int64 producer id, int64 previous producer id (-1 none), int16 producer epoch,
 *        int16 last producer epoch (-1 none), int32 transaction timeout (ms), int8 state
 *        ({@link TransactionState#id()}), int32 topic count, then per topic: string topic, int32 partition
 *        count, int32 partition..., then int64 transaction start (ms, -1 none), int64 last update (ms)
 * </pre>
 *
 * Readers skip keys of unknown types, so later versions can add record types. Stateless, thread-safe.
 */
final class TxnRecords {
    static final short TRANSACTION_KEY = 0;
    private static final short VALUE_VERSION = 0;

    private TxnRecords() {}

    static byte[] key(String transactionalId) {
        byte[] id = utf8(transactionalId);
        return ByteBuffer.allocate(2 + 2 + id.length).putShort(TRANSACTION_KEY).putShort((short) id.length).put(id)
                .array();
    }

    /** The transactional id of a key, or null for a key of another type. */
    static String readKey(ByteBuffer key) {
        ByteBuffer b = key.duplicate();
        try {
            return b.getShort() == TRANSACTION_KEY ? string(b) : null;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unreadable __transaction_state key: " + e, e);
        }
    }

    static byte[] value(TransactionMetadata m) {
        Map<String, java.util.List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : m.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new java.util.ArrayList<>()).add(tp.partition());
        }
        int size = 2 + 8 + 8 + 2 + 2 + 4 + 1 + 4 + 8 + 8;
        for (Map.Entry<String, java.util.List<Integer>> e : byTopic.entrySet()) {
            size += 2 + utf8(e.getKey()).length + 4 + 4 * e.getValue().size();
        }
        ByteBuffer b = ByteBuffer.allocate(size).putShort(VALUE_VERSION).putLong(m.producerId())
                .putLong(m.previousProducerId()).putShort(m.producerEpoch()).putShort(m.lastProducerEpoch())
                .putInt(m.timeoutMs()).put(m.state().id()).putInt(byTopic.size());
        byTopic.forEach((topic, partitions) -> {
            byte[] name = utf8(topic);
            b.putShort((short) name.length).put(name).putInt(partitions.size());
            partitions.forEach(b::putInt);
        });
        return b.putLong(m.txnStartMs()).putLong(m.lastUpdateMs()).array();
    }

    static TransactionMetadata readValue(String transactionalId, ByteBuffer value) {
        ByteBuffer b = value.duplicate();
        try {
            short version = b.getShort();
            if (version != VALUE_VERSION) {
                throw new IllegalArgumentException("value version " + version + " is newer than this broker reads");
            }
            long producerId = b.getLong();
            long previous = b.getLong();
            short epoch = b.getShort();
            short lastEpoch = b.getShort();
            int timeout = b.getInt();
            TransactionState state = TransactionState.ofId(b.get());
            int topics = b.getInt();
            Set<TopicPartition> partitions = new LinkedHashSet<>();
            for (int i = 0; i < topics; i++) {
                String topic = string(b);
                int count = b.getInt();
                for (int j = 0; j < count; j++) {
                    partitions.add(new TopicPartition(topic, b.getInt()));
                }
            }
            return new TransactionMetadata(transactionalId, producerId, previous, epoch, lastEpoch, timeout, state,
                    partitions, b.getLong(), b.getLong());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unreadable transaction state of '" + transactionalId + "': " + e, e);
        }
    }

    private static byte[] utf8(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("string of " + bytes.length + " bytes is longer than " + Short.MAX_VALUE);
        }
        return bytes;
    }

    private static String string(ByteBuffer b) {
        short len = b.getShort();
        if (len < 0) {
            return null;
        }
        byte[] bytes = new byte[len];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
