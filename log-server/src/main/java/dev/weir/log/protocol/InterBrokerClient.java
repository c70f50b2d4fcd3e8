package dev.weir.log.protocol;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * A small blocking Kafka-protocol client with which a broker talks to another broker: Fetch and
 * OffsetForLeaderEpoch (a follower to its leader) and WriteTxnMarkers (a transaction coordinator to a
 * partition leader) over one plain {@link Socket}, one request in flight.
 *
 * <p>Versions are fixed, not negotiated, because Weir only talks to Weir: Fetch at the highest
 * version {@link ApiVersionTable} advertises, OffsetForLeaderEpoch at v4. The socket is opened lazily
 * on the first call. Any {@link IOException} (refused or lost connection, read timeout, a malformed
 * or mismatched response) closes the socket and is rethrown; the next call reconnects, so the caller
 * only has to back off and retry.
 *
 * <p>Thread safety: not thread-safe. One thread (a replica fetcher, the transaction marker sender) owns one client. The single exception
 * is {@link #close()}, which any thread may call to abort a call blocked in the owner thread (it then
 * fails with an {@code IOException}); after {@code close()} every call fails.
 */
public final class InterBrokerClient implements AutoCloseable {
    /** The Fetch version sent: the newest this broker understands, hence the newest its peers answer. */
    static final short FETCH_VERSION = new ApiVersionTable().range(ApiKeys.FETCH).max();
    /** v4 is the newest; its ReplicaId field (v3+) identifies the follower. */
    static final short OFFSET_FOR_LEADER_EPOCH_VERSION = 4;
    /** v1 is the classic (KIP-98) form; v2 only adds the transaction version of KIP-890, which Weir does not use. */
    static final short WRITE_TXN_MARKERS_VERSION = 1;
    /** Sizes above this are taken as garbage rather than allocated; fetch responses stay far below it. */
    static final int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
    /** Fetch v15 moved the replica id from the top-level ReplicaId field into ReplicaState. */
    private static final short FIRST_REPLICA_STATE_VERSION = 15;
    /** Fetch v13 addresses topics by id instead of name. */
    private static final short FIRST_TOPIC_ID_VERSION = 13;
    private static final int NO_REPLICA = -1;

    private final String host;
    private final int port;
    private final String clientId;
    private final int socketTimeoutMs;
    // Volatile only for close() from another thread; in and out are touched by the owner thread alone.
    private volatile Socket socket;
    private volatile boolean closed;
    private DataInputStream in;
    private OutputStream out;
    private int nextCorrelationId;

    /**
     * @param socketTimeoutMs the connect timeout, and the read timeout on top of a fetch's own
     *     {@code maxWaitMs}
     */
    public InterBrokerClient(String host, int port, String clientId, int socketTimeoutMs) {
        if (socketTimeoutMs <= 0) {
            throw new IllegalArgumentException("socketTimeoutMs must be positive: " + socketTimeoutMs);
        }
        this.host = host;
        this.port = port;
        this.clientId = clientId;
        this.socketTimeoutMs = socketTimeoutMs;
    }

    /**
     * Sends {@code request} at {@link #FETCH_VERSION} and waits for the response. The caller fills the
     * request; the replica id may be given in either {@code replicaState().replicaId()} or the legacy
     * {@code replicaId()}, and this method moves it (in place) into the field the sent version carries.
     * From v13 topics must be given by id.
     *
     * @throws IOException on connection trouble, a read timeout or a malformed response
     */
    public FetchResponseData fetch(FetchRequestData request) throws IOException {
        normalizeReplicaId(request, FETCH_VERSION);
        if (FETCH_VERSION >= FIRST_TOPIC_ID_VERSION) {
            for (FetchRequestData.FetchTopic topic : request.topics()) {
                if (Uuid.ZERO_UUID.equals(topic.topicId())) {
                    throw new IllegalArgumentException("Fetch v" + FETCH_VERSION + " needs topic ids; "
                            + topic.topic() + " has none");
                }
            }
        }
        // A long poll legitimately stays silent for maxWaitMs; only silence beyond that is trouble.
        int readTimeoutMs = saturatedAdd(socketTimeoutMs, Math.max(0, request.maxWaitMs()));
        AbstractResponse response = roundTrip(new FetchRequest(request, FETCH_VERSION), readTimeoutMs);
        return ((FetchResponse) response).data();
    }

    /**
     * Sends {@code request} at OffsetForLeaderEpoch v4 and waits for the response. The caller sets
     * {@code replicaId} to its broker id.
     *
     * @throws IOException on connection trouble, a read timeout or a malformed response
     */
    public OffsetForLeaderEpochResponseData offsetForLeaderEpoch(OffsetForLeaderEpochRequestData request)
            throws IOException {
        AbstractResponse response = roundTrip(
                new OffsetsForLeaderEpochRequest(request, OFFSET_FOR_LEADER_EPOCH_VERSION), socketTimeoutMs);
        return ((OffsetsForLeaderEpochResponse) response).data();
    }

    /**
     * Sends {@code request} at WriteTxnMarkers v1 and waits for the response: the leader of each named
     * partition appends the COMMIT or ABORT marker and answers an error code per partition.
     *
     * @throws IOException on connection trouble, a read timeout or a malformed response (also when the
     *     other broker does not implement WriteTxnMarkers: it closes the connection)
     */
    public WriteTxnMarkersResponseData writeTxnMarkers(WriteTxnMarkersRequestData request) throws IOException {
        AbstractResponse response = roundTrip(new WriteTxnMarkersRequest.Builder(request).build(WRITE_TXN_MARKERS_VERSION),
                socketTimeoutMs);
        return ((WriteTxnMarkersResponse) response).data();
    }

    /** Closes the socket; idempotent, callable from any thread. Later calls fail. */
    @Override
    public void close() {
        closed = true;
        closeSocket();
    }

    /**
     * The record batches of one partition of a fetch response as a read-only buffer (empty if none).
     * The buffer shares memory with the response; it is valid as long as the caller keeps it.
     */
    public static ByteBuffer recordsOf(FetchResponseData.PartitionData partition) {
        BaseRecords records = partition.records();
        if (records == null) {
            return ByteBuffer.allocate(0).asReadOnlyBuffer();
        }
        if (records instanceof MemoryRecords memory) {
            return memory.buffer().asReadOnlyBuffer();
        }
        // Parsed responses always hold MemoryRecords; anything else was built by hand on this side.
        throw new IllegalArgumentException("not in memory: " + records.getClass().getName());
    }

    /** Moves the replica id into the one field {@code version} carries; the other must stay default. */
    static void normalizeReplicaId(FetchRequestData request, short version) {
        int id = request.replicaId() != NO_REPLICA ? request.replicaId() : request.replicaState().replicaId();
        if (version >= FIRST_REPLICA_STATE_VERSION) {
            request.replicaState().setReplicaId(id);
            request.setReplicaId(NO_REPLICA);
        } else {
            request.setReplicaId(id);
            // ReplicaState is a tagged field of v15+; a non-default value would not encode at older versions.
            request.setReplicaState(new FetchRequestData.ReplicaState());
        }
    }

    private AbstractResponse roundTrip(AbstractRequest request, int readTimeoutMs) throws IOException {
        // Encoding first: an unencodable request is the caller's bug and must not cost the connection.
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), clientId, nextCorrelationId++);
        ByteBuffer payload = request.serializeWithHeader(header);
        try {
            connectIfNeeded().setSoTimeout(readTimeoutMs);
            byte[] frame = new byte[4 + payload.remaining()];
            ByteBuffer.wrap(frame).putInt(payload.remaining()).put(payload);
            out.write(frame);
            out.flush();
            ByteBuffer response = readFrame();
            AbstractResponse parsed = AbstractResponse.parseResponse(response, header);
            if (response.hasRemaining()) {
                throw new IOException(response.remaining() + " bytes left after a " + request.apiKey()
                        + " v" + request.version() + " response from " + address());
            }
            return parsed;
        } catch (IOException e) {
            closeSocket();
            throw e;
        } catch (RuntimeException e) {
            // Garbage decodes into all kinds of runtime exceptions (underflow, schema, correlation id
            // mismatch); to the caller it is one more broken connection.
            closeSocket();
            throw new IOException("malformed " + request.apiKey() + " response from " + address() + ": " + e, e);
        }
    }

    private ByteBuffer readFrame() throws IOException {
        int size = in.readInt();
        if (size < 0 || size > MAX_RESPONSE_BYTES) {
            throw new IOException("response size " + size + " from " + address() + " is not plausible");
        }
        byte[] bytes = new byte[size];
        in.readFully(bytes);
        return ByteBuffer.wrap(bytes);
    }

    private Socket connectIfNeeded() throws IOException {
        if (closed) {
            throw new IOException("client for " + address() + " is closed");
        }
        Socket current = socket;
        if (current != null) {
            return current;
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), socketTimeoutMs);
            in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
            out = s.getOutputStream();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        socket = s;
        // Pairs with close(): it sets closed then reads socket; we write socket then read closed, so
        // with both volatile at least one side sees the other and the socket never outlives close().
        if (closed) {
            closeSocket();
            throw new IOException("client for " + address() + " is closed");
        }
        return s;
    }

    private void closeSocket() {
        Socket s = socket;
        socket = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Nothing left to release.
            }
        }
    }

    private String address() {
        return host + ":" + port;
    }

    private static int saturatedAdd(int a, int b) {
        long sum = (long) a + b;
        return (int) Math.min(Integer.MAX_VALUE, sum);
    }
}
