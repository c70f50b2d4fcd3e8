package dev.weir.log.group;

import dev.weir.log.group.GroupOperations.CommittedOffset;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * Weir's binary format for the records of {@code __consumer_offsets}. Keys decide what compaction
 * keeps: the last record per committed partition and per group; a record with a null value
 * (tombstone) deletes. All integers are big-endian; a string is an int16 byte length (-1 for null)
 * followed by UTF-8; bytes are an int32 length followed by the bytes.
 *
 * <pre>
 * key    int16 type
 *          0 = committed offset: string group, string topic, int32 partition
 *          1 = group metadata:   string group
 * offset value (version 0)
 *        int16 version, int64 offset, int32 leader epoch (-1 unknown), string metadata, int64 commit time (ms)
 * group value (version 0)
 *        int16 version, string protocol type (null for a group that only stores offsets), int32 generation,
 *        string protocol name, string leader id, int64 time the group entered its state (ms),
 *        int32 member count, then per member:
 *          string member id, string group instance id, string client id, string client host,
 *          int32 rebalance timeout (ms), int32 session timeout (ms),
 *          bytes metadata of the selected protocol, bytes assignment
 * </pre>
 *
 * A group value with members describes a Stable group at that generation; one without describes an
 * Empty group. Readers skip keys of unknown types, so later versions can add record types.
 * Stateless and thread-safe.
 */
final class GroupRecords {
    static final short OFFSET_KEY = 0;
    static final short GROUP_KEY = 1;
    private static final short VALUE_VERSION = 0;

    private GroupRecords() {}

    sealed interface Key permits OffsetKey, GroupKey, UnknownKey {}

    record OffsetKey(String groupId, TopicPartition partition) implements Key {}

    record GroupKey(String groupId) implements Key {}

    record UnknownKey(short type) implements Key {}

    record MemberSnapshot(String memberId, String groupInstanceId, String clientId, String clientHost,
                          int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] metadata, byte[] assignment) {}

    record GroupSnapshot(String protocolType, int generationId, String protocolName, String leaderId,
                         long stateTimestampMs, List<MemberSnapshot> members) {}

    static byte[] offsetKey(String groupId, TopicPartition tp) {
        Writer w = new Writer();
        w.int16(OFFSET_KEY).string(groupId).string(tp.topic()).int32(tp.partition());
        return w.bytes();
    }

    static byte[] groupKey(String groupId) {
        return new Writer().int16(GROUP_KEY).string(groupId).bytes();
    }

    static byte[] offsetValue(CommittedOffset o) {
        return new Writer().int16(VALUE_VERSION).int64(o.offset()).int32(o.leaderEpoch()).string(o.metadata())
                .int64(o.commitTimestampMs()).bytes();
    }

    static byte[] groupValue(GroupSnapshot g) {
        Writer w = new Writer().int16(VALUE_VERSION).string(g.protocolType()).int32(g.generationId())
                .string(g.protocolName()).string(g.leaderId()).int64(g.stateTimestampMs()).int32(g.members().size());
        for (MemberSnapshot m : g.members()) {
            w.string(m.memberId()).string(m.groupInstanceId()).string(m.clientId()).string(m.clientHost())
                    .int32(m.rebalanceTimeoutMs()).int32(m.sessionTimeoutMs()).bytes(m.metadata()).bytes(m.assignment());
        }
        return w.bytes();
    }

    /** @throws IllegalArgumentException if the key is truncated */
    static Key readKey(ByteBuffer key) {
        ByteBuffer b = key.duplicate();
        try {
            short type = b.getShort();
            return switch (type) {
                case OFFSET_KEY -> new OffsetKey(string(b), new TopicPartition(string(b), b.getInt()));
                case GROUP_KEY -> new GroupKey(string(b));
                default -> new UnknownKey(type);
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unreadable __consumer_offsets key: " + e, e);
        }
    }

    static CommittedOffset readOffset(ByteBuffer value) {
        ByteBuffer b = value.duplicate();
        try {
            checkVersion(b.getShort());
            return new CommittedOffset(b.getLong(), b.getInt(), string(b), b.getLong());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unreadable committed offset: " + e, e);
        }
    }

    static GroupSnapshot readGroup(ByteBuffer value) {
        ByteBuffer b = value.duplicate();
        try {
            checkVersion(b.getShort());
            String protocolType = string(b);
            int generation = b.getInt();
            String protocolName = string(b);
            String leader = string(b);
            long stateTimestamp = b.getLong();
            int count = b.getInt();
            List<MemberSnapshot> members = new ArrayList<>(Math.min(count, 1024));
            for (int i = 0; i < count; i++) {
                members.add(new MemberSnapshot(string(b), string(b), string(b), string(b), b.getInt(), b.getInt(),
                        bytes(b), bytes(b)));
            }
            return new GroupSnapshot(protocolType, generation, protocolName, leader, stateTimestamp, members);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unreadable group metadata: " + e, e);
        }
    }

    private static void checkVersion(short version) {
        if (version != VALUE_VERSION) {
            throw new IllegalArgumentException("value version " + version + " is newer than this broker reads ("
                    + VALUE_VERSION + ")");
        }
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

    private static byte[] bytes(ByteBuffer b) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("bytes of length " + len + " with " + b.remaining() + " remaining");
        }
        byte[] bytes = new byte[len];
        b.get(bytes);
        return bytes;
    }

    /** A growable big-endian writer. */
    private static final class Writer {
        private ByteBuffer buf = ByteBuffer.allocate(64);

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }

        Writer int16(short v) {
            ensure(2);
            buf.putShort(v);
            return this;
        }

        Writer int32(int v) {
            ensure(4);
            buf.putInt(v);
            return this;
        }

        Writer int64(long v) {
            ensure(8);
            buf.putLong(v);
            return this;
        }

        Writer string(String s) {
            if (s == null) {
                return int16((short) -1);
            }
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > Short.MAX_VALUE) {
                throw new IllegalArgumentException("string of " + bytes.length + " bytes is longer than "
                        + Short.MAX_VALUE);
            }
            int16((short) bytes.length);
            ensure(bytes.length);
            buf.put(bytes);
            return this;
        }

        Writer bytes(byte[] bytes) {
            byte[] b = bytes == null ? new byte[0] : bytes;
            int32(b.length);
            ensure(b.length);
            buf.put(b);
            return this;
        }

        byte[] bytes() {
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        }
    }
}
