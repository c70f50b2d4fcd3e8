package dev.weir.log.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * A blocking Kafka-protocol client over a plain {@link Socket}, for tests that need exact control of
 * the bytes on the wire: well-formed requests encoded with kafka-clients' generated classes, raw
 * bytes, and a check that the broker closed the connection.
 */
public final class RawKafkaClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private int nextCorrelationId = 1;

    public RawKafkaClient(String host, int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public static RawKafkaClient connect(String bootstrap) throws IOException {
        int colon = bootstrap.lastIndexOf(':');
        return new RawKafkaClient(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1)));
    }

    public Socket socket() {
        return socket;
    }

    /** Writes bytes exactly as given. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Writes a 4-byte size prefix, then the frame. */
    public void sendFrame(ByteBuffer frame) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + frame.remaining());
        b.putInt(frame.remaining()).put(frame.duplicate());
        sendRaw(b.array());
    }

    /** Reads one size-prefixed response frame (without the prefix); fails if none arrives within 10 s. */
    public ByteBuffer receiveFrame() throws IOException {
        DataInputStream data = new DataInputStream(in);
        int size = data.readInt();
        byte[] frame = new byte[size];
        data.readFully(frame);
        return ByteBuffer.wrap(frame);
    }

    /** Sends {@code body} at {@code version} and decodes the response, checking its correlation id. */
    public <T extends ApiMessage> T request(ApiKeys key, short version, ApiMessage body) throws IOException {
        return receive(key, version, send(key, version, body));
    }

    /** Sends a request without waiting for its response; returns its correlation id for {@link #receive}. */
    public int send(ApiKeys key, short version, ApiMessage body) throws IOException {
        int correlationId = nextCorrelationId++;
        sendFrame(encodeRequest(key, version, correlationId, body));
        return correlationId;
    }

    /** Reads and decodes the next response, which must answer the request with {@code correlationId}. */
    @SuppressWarnings("unchecked")
    public <T extends ApiMessage> T receive(ApiKeys key, short version, int correlationId) throws IOException {
        ByteBuffer response = receiveFrame();
        ResponseHeaderData header = new ResponseHeaderData(new ByteBufferAccessor(response),
                key.responseHeaderVersion(version));
        if (header.correlationId() != correlationId) {
            throw new IllegalStateException("correlation id " + header.correlationId() + ", expected " + correlationId);
        }
        ApiMessage decoded = ApiMessageType.fromApiKey(key.id).newResponse();
        decoded.read(new ByteBufferAccessor(response), version);
        if (response.hasRemaining()) {
            throw new IllegalStateException(response.remaining() + " trailing bytes after a " + key + " response");
        }
        return (T) decoded;
    }

    /** Header and body of a request, without the size prefix. */
    public static ByteBuffer encodeRequest(ApiKeys key, short version, int correlationId, ApiMessage body) {
        short headerVersion = key.requestHeaderVersion(version);
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId("raw-test-client");
        ObjectSerializationCache cache = new ObjectSerializationCache();
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, version);
        ByteBuffer buffer = ByteBuffer.allocate(size.totalSize());
        ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        header.write(accessor, cache, headerVersion);
        body.write(accessor, cache, version);
        if (buffer.hasRemaining()) {
            throw new IllegalStateException("encoded " + buffer.position() + " of " + buffer.limit() + " bytes");
        }
        return buffer.flip();
    }

    /** A Produce request (acks=all, 10 s timeout) of {@code records} for one partition. */
    public static ProduceRequestData produceRequest(String topic, int partition, MemoryRecords records) {
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records))));
        return new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000).setTopicData(topics);
    }

    /** Sends a Produce v12 request for one partition and returns that partition's response. */
    public ProduceResponseData.PartitionProduceResponse produce(String topic, int partition, MemoryRecords records)
            throws IOException {
        ProduceResponseData response = request(ApiKeys.PRODUCE, (short) 12, produceRequest(topic, partition, records));
        return response.responses().iterator().next().partitionResponses().get(0);
    }

    /** A producer id and epoch from InitProducerId v4 without a transactional id. */
    public InitProducerIdResponseData initProducerId() throws IOException {
        return request(ApiKeys.INIT_PRODUCER_ID, (short) 4,
                new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000));
    }

    /**
     * One uncompressed transactional batch of {@code values} (null keys), as a transactional producer sends it:
     * without a transaction coordinator, tests take the producer id from {@link #initProducerId()} and end the
     * transaction with {@link #writeTxnMarker}.
     */
    public static MemoryRecords transactionalRecords(long producerId, short epoch, int baseSequence, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), null,
                    values[i].getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, baseSequence, records);
    }

    /** WriteTxnMarkers v1 with one marker for the given partitions of {@code topic}. */
    public WriteTxnMarkersResponseData writeTxnMarker(long producerId, short epoch, int coordinatorEpoch, boolean commit,
                                                     String topic, Integer... partitions) throws IOException {
        WriteTxnMarkersRequestData request = new WriteTxnMarkersRequestData().setMarkers(List.of(
                new WriteTxnMarkersRequestData.WritableTxnMarker().setProducerId(producerId).setProducerEpoch(epoch)
                        .setCoordinatorEpoch(coordinatorEpoch).setTransactionResult(commit)
                        .setTopics(List.of(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName(topic)
                                .setPartitionIndexes(List.of(partitions))))));
        return request(ApiKeys.WRITE_TXN_MARKERS, (short) 1, request);
    }

    /**
     * Waits until the broker closes the connection (end of stream or reset), discarding any bytes
     * that arrive before. Throws {@link AssertionError} if the connection is still open after
     * {@code timeout}.
     *
     * @return how many bytes arrived before the close
     */
    public long awaitClosedByPeer(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] sink = new byte[8192];
        long received = 0;
        while (true) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                throw new AssertionError("the broker did not close the connection within " + timeout
                        + " (" + received + " bytes received)");
            }
            socket.setSoTimeout((int) Math.max(1, leftMs));
            int n;
            try {
                n = in.read(sink);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (SocketException e) {
                // Connection reset: the broker closed with unread data in its buffer.
                return received;
            }
            if (n < 0) {
                return received;
            }
            received += n;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
