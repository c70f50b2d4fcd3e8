package dev.weir.log.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * Answers Produce v0–2, which Weir advertises but does not implement (see {@link ApiVersionTable}),
 * with UNSUPPORTED_VERSION for every partition. kafka-clients no longer has message classes for
 * these versions, so the few fixed fields are read and written here by hand.
 *
 * <pre>
 * request  (header v1): api_key int16, api_version int16, correlation_id int32, client_id string,
 *          body: acks int16, timeout int32, [topic string, [partition int32, records bytes]]
 * response (header v0): correlation_id int32,
 *          body: [topic string, [partition int32, error int16, base_offset int64, (v2+) log_append_time int64]],
 *          (v1+) throttle_time_ms int32
 * </pre>
 */
final class LegacyProduceRejection {
    private LegacyProduceRejection() {}

    private record TopicPartitions(String topic, List<Integer> partitions) {}

    static RequestProcessor.Outcome respond(ByteBuffer frame, short version) {
        try {
            ByteBuffer in = frame.duplicate();
            in.getShort();
            in.getShort();
            int correlationId = in.getInt();
            readString(in);
            short acks = in.getShort();
            in.getInt();
            int topicCount = count(in);
            var topics = new java.util.ArrayList<TopicPartitions>(topicCount);
            for (int t = 0; t < topicCount; t++) {
                String topic = readString(in);
                int partitionCount = count(in);
                var partitions = new java.util.ArrayList<Integer>(partitionCount);
                for (int p = 0; p < partitionCount; p++) {
                    partitions.add(in.getInt());
                    int size = in.getInt();
                    in.position(in.position() + Math.max(size, 0));
                }
                topics.add(new TopicPartitions(topic, partitions));
            }
            if (acks == 0) {
                return new RequestProcessor.Close("Produce v" + version + " is not supported; use v3 or later");
            }
            return new RequestProcessor.Respond(encode(correlationId, version, topics));
        } catch (RuntimeException e) {
            return new RequestProcessor.Close("malformed Produce v" + version + " request");
        }
    }

    private static ResponseFrame encode(int correlationId, short version, List<TopicPartitions> topics) {
        int size = 4 + 4;
        for (TopicPartitions t : topics) {
            size += 2 + t.topic().getBytes(StandardCharsets.UTF_8).length + 4
                    + t.partitions().size() * (4 + 2 + 8 + (version >= 2 ? 8 : 0));
        }
        size += version >= 1 ? 4 : 0;
        ByteBuffer out = ByteBuffer.allocate(4 + size);
        out.putInt(size).putInt(correlationId).putInt(topics.size());
        for (TopicPartitions t : topics) {
            byte[] name = t.topic().getBytes(StandardCharsets.UTF_8);
            out.putShort((short) name.length).put(name).putInt(t.partitions().size());
            for (int partition : t.partitions()) {
                out.putInt(partition).putShort(Errors.UNSUPPORTED_VERSION.code()).putLong(-1L);
                if (version >= 2) {
                    out.putLong(-1L);
                }
            }
        }
        if (version >= 1) {
            out.putInt(0);
        }
        return new ResponseFrame(List.of(new ResponseFrame.HeapPart(out.flip())), size + 4);
    }

    private static int count(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("bad array length " + n);
        }
        return n;
    }

    private static String readString(ByteBuffer in) {
        short len = in.getShort();
        if (len < 0) {
            return null;
        }
        byte[] bytes = new byte[len];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
