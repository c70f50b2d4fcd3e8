package dev.weir.log.protocol;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("fast")
class InterBrokerClientTest {
    private static final Duration NO_HANG = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @Test
    void fetchReadsBackWhatAProducerWrote() throws Exception {
        try (TestBroker broker = new TestBroker(dir)) {
            Uuid topicId = createTopicWithRecords(broker, "ib-fetch", 10);
            InterBrokerClient client = client(broker, 5_000);
            try {
                FetchResponseData.PartitionData p = onlyPartition(client.fetch(fetchRequest(topicId, 0, 0)));
                assertEquals(0, p.errorCode());
                assertEquals(10, p.highWatermark());
                ByteBuffer records = InterBrokerClient.recordsOf(p);
                assertTrue(records.isReadOnly());
                assertEquals(values(10), valuesOf(records));

                // Mid-log, and at the end: an empty buffer, not null.
                assertEquals(values(10).subList(5, 10), valuesOf(InterBrokerClient.recordsOf(
                        onlyPartition(client.fetch(fetchRequest(topicId, 5, 0))))));
                ByteBuffer none = InterBrokerClient.recordsOf(onlyPartition(client.fetch(fetchRequest(topicId, 10, 0))));
                assertEquals(0, none.remaining());
            } finally {
                client.close();
            }
        }
    }

    @Test
    void aLongPollLongerThanTheSocketTimeoutIsNotATimeout() throws Exception {
        try (TestBroker broker = new TestBroker(dir)) {
            Uuid topicId = createTopicWithRecords(broker, "ib-poll", 1);
            InterBrokerClient client = client(broker, 500);
            try {
                long start = System.nanoTime();
                FetchResponseData.PartitionData p = onlyPartition(client.fetch(fetchRequest(topicId, 1, 1_500)));
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(0, p.errorCode());
                assertEquals(0, InterBrokerClient.recordsOf(p).remaining());
                assertTrue(tookMs >= 1_000, "the broker long-polled, took " + tookMs + " ms");
            } finally {
                client.close();
            }
        }
    }

    @Test
    void aStoppedBrokerIsAnIOExceptionAndTheClientReconnectsWhenItIsBack() throws Exception {
        try (TestBroker broker = new TestBroker(dir)) {
            Uuid topicId = createTopicWithRecords(broker, "ib-restart", 3);
            InterBrokerClient client = client(broker, 2_000);
            try {
                assertEquals(0, onlyPartition(client.fetch(fetchRequest(topicId, 0, 0))).errorCode());
                broker.broker().close();
                assertTimeoutPreemptively(NO_HANG, () -> {
                    // First on the dead connection, then on refused reconnects.
                    assertThrows(IOException.class, () -> client.fetch(fetchRequest(topicId, 0, 0)));
                    assertThrows(IOException.class, () -> client.fetch(fetchRequest(topicId, 0, 0)));
                });
                broker.restart();
                FetchResponseData.PartitionData p = onlyPartition(client.fetch(fetchRequest(topicId, 0, 0)));
                assertEquals(0, p.errorCode());
                assertEquals(values(3), valuesOf(InterBrokerClient.recordsOf(p)));
            } finally {
                client.close();
            }
        }
    }

    @Test
    void anHttpAnswerIsAnIOExceptionAndTheNextCallReconnects() throws Exception {
        byte[] http = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (FakeServer server = new FakeServer((in, out) -> {
            readFrame(in);
            out.write(http);
            out.flush();
            drain(in);
        })) {
            InterBrokerClient client = server.client(2_000);
            assertTimeoutPreemptively(NO_HANG, () -> {
                assertThrows(IOException.class, () -> client.fetch(fetchRequest(Uuid.randomUuid(), 0, 0)));
                assertThrows(IOException.class, () -> client.fetch(fetchRequest(Uuid.randomUuid(), 0, 0)));
            });
            client.close();
            assertEquals(2, server.accepted.get(), "one connection per failed call");
        }
    }

    @Test
    void aGarbageFrameIsAnIOException() throws Exception {
        try (FakeServer server = new FakeServer((in, out) -> {
            // The right correlation id, then bytes that decode as nothing sensible.
            int correlationId = RequestHeader.parse(readFrame(in)).correlationId();
            byte[] frame = new byte[4 + 40];
            ByteBuffer b = ByteBuffer.wrap(frame).putInt(40).putInt(correlationId);
            while (b.hasRemaining()) {
                b.put((byte) 0xff);
            }
            out.write(frame);
            out.flush();
            drain(in);
        })) {
            InterBrokerClient client = server.client(2_000);
            assertTimeoutPreemptively(NO_HANG,
                    () -> assertThrows(IOException.class, () -> client.fetch(fetchRequest(Uuid.randomUuid(), 0, 0))));
            client.close();
        }
    }

    @Test
    void aWrongCorrelationIdIsAnIOException() throws Exception {
        try (FakeServer server = new FakeServer((in, out) -> {
            RequestHeader header = RequestHeader.parse(readFrame(in));
            writeResponse(out, header, header.correlationId() + 1, new OffsetForLeaderEpochResponseData());
            drain(in);
        })) {
            InterBrokerClient client = server.client(2_000);
            IOException e = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(IOException.class,
                    () -> client.offsetForLeaderEpoch(new OffsetForLeaderEpochRequestData())));
            assertTrue(e.getMessage().contains("orrelation"), e.getMessage());
            client.close();
        }
    }

    @Test
    void aSilentServerIsATimeoutNotAHang() throws Exception {
        try (FakeServer server = new FakeServer((in, out) -> drain(in))) {
            InterBrokerClient client = server.client(300);
            assertTimeoutPreemptively(NO_HANG,
                    () -> assertThrows(IOException.class, () -> client.fetch(fetchRequest(Uuid.randomUuid(), 0, 0))));
            client.close();
        }
    }

    @Test
    void closeFromAnotherThreadAbortsABlockedCall() throws Exception {
        AtomicBoolean requestArrived = new AtomicBoolean();
        try (FakeServer server = new FakeServer((in, out) -> {
            in.readInt(); // a request's size: the client has sent it and waits for an answer that never comes
            requestArrived.set(true);
            drain(in);
        })) {
            InterBrokerClient client = server.client(60_000);
            CompletableFuture<Throwable> failure = CompletableFuture.supplyAsync(() -> {
                try {
                    client.fetch(fetchRequest(Uuid.randomUuid(), 0, 0));
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            await().atMost(Duration.ofSeconds(10)).untilTrue(requestArrived);
            client.close();
            Throwable t = failure.get(10, TimeUnit.SECONDS);
            assertTrue(t instanceof IOException, String.valueOf(t));
            assertThrows(IOException.class, () -> client.fetch(fetchRequest(Uuid.randomUuid(), 0, 0)));
        }
    }

    @Test
    void offsetForLeaderEpochIsSentAtV4AndItsResponseDecoded() throws Exception {
        AtomicReference<OffsetsForLeaderEpochRequest> seen = new AtomicReference<>();
        OffsetForLeaderEpochResponseData canned = new OffsetForLeaderEpochResponseData().setThrottleTimeMs(7);
        OffsetForLeaderTopicResult topic = new OffsetForLeaderTopicResult().setTopic("t");
        topic.partitions().add(new EpochEndOffset().setPartition(1).setLeaderEpoch(4).setEndOffset(1234));
        canned.topics().add(topic);
        try (FakeServer server = new FakeServer((in, out) -> {
            while (true) {
                ByteBuffer frame = readFrame(in);
                if (frame == null) {
                    return;
                }
                RequestHeader header = RequestHeader.parse(frame);
                seen.set(OffsetsForLeaderEpochRequest.parse(new ByteBufferAccessor(frame), header.apiVersion()));
                writeResponse(out, header, header.correlationId(), canned);
            }
        })) {
            InterBrokerClient client = server.client(2_000);
            OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData().setReplicaId(2);
            OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t =
                    new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("t");
            t.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
                    .setPartition(1).setCurrentLeaderEpoch(5).setLeaderEpoch(4));
            request.topics().add(t);

            OffsetForLeaderEpochResponseData response = client.offsetForLeaderEpoch(request);
            assertEquals(canned, response);
            assertEquals(4, seen.get().version());
            assertEquals(2, seen.get().replicaId());
            assertEquals(request, seen.get().data());
            // Same connection, next correlation id.
            assertEquals(canned, client.offsetForLeaderEpoch(request));
            assertEquals(1, server.accepted.get());
            client.close();
        }
    }

    @Test
    void theReplicaIdGoesIntoTheFieldOfTheVersionSent() {
        assertEquals(17, InterBrokerClient.FETCH_VERSION, "update this test when ApiVersionTable moves Fetch");
        FetchRequestData legacy = fetchRequest(Uuid.randomUuid(), 0, 0).setReplicaId(3);
        InterBrokerClient.normalizeReplicaId(legacy, InterBrokerClient.FETCH_VERSION);
        assertEquals(-1, legacy.replicaId());
        assertEquals(3, legacy.replicaState().replicaId());
        assertEquals(3, roundTrip(legacy, InterBrokerClient.FETCH_VERSION).replicaId());

        FetchRequestData modern = fetchRequest(Uuid.randomUuid(), 0, 0);
        modern.replicaState().setReplicaId(3).setReplicaEpoch(9);
        InterBrokerClient.normalizeReplicaId(modern, (short) 12);
        assertEquals(3, modern.replicaId());
        assertEquals(3, roundTrip(modern.setTopics(List.of()), (short) 12).replicaId());
    }

    private static FetchRequest roundTrip(FetchRequestData data, short version) {
        RequestHeader header = new RequestHeader(ApiKeys.FETCH, version, "test", 1);
        ByteBuffer bytes = new FetchRequest(data, version).serializeWithHeader(header);
        RequestHeader.parse(bytes);
        return FetchRequest.parse(new ByteBufferAccessor(bytes), version);
    }

    // ---- helpers

    private static InterBrokerClient client(TestBroker broker, int socketTimeoutMs) {
        return new InterBrokerClient("127.0.0.1", broker.broker().port(), "test-follower", socketTimeoutMs);
    }

    private static Uuid createTopicWithRecords(TestBroker broker, String topic, int count) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (String v : values(count)) {
                    producer.send(new ProducerRecord<>(topic, 0, null, v)).get(30, TimeUnit.SECONDS);
                }
            }
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).topicId();
        }
    }

    private static List<String> values(int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add("v" + i);
        }
        return out;
    }

    /** A consumer-style fetch (replica id -1, no session) of partition 0. */
    private static FetchRequestData fetchRequest(Uuid topicId, long offset, int maxWaitMs) {
        FetchRequestData request = new FetchRequestData().setMaxWaitMs(maxWaitMs).setMinBytes(1)
                .setMaxBytes(1 << 20).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
        request.replicaState().setReplicaId(-1);
        request.setTopics(new ArrayList<>(List.of(new FetchRequestData.FetchTopic().setTopicId(topicId)
                .setPartitions(new ArrayList<>(List.of(new FetchRequestData.FetchPartition().setPartition(0)
                        .setFetchOffset(offset).setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(-1)
                        .setLogStartOffset(-1)))))));
        return request;
    }

    private static FetchResponseData.PartitionData onlyPartition(FetchResponseData response) {
        assertEquals(0, response.errorCode());
        assertEquals(1, response.responses().size());
        assertEquals(1, response.responses().get(0).partitions().size());
        return response.responses().get(0).partitions().get(0);
    }

    private static List<String> valuesOf(ByteBuffer batches) {
        List<String> out = new ArrayList<>();
        for (RecordBatch batch : MemoryRecords.readableRecords(batches).batches()) {
            batch.ensureValid();
            for (Record r : batch) {
                out.add(StandardCharsets.UTF_8.decode(r.value()).toString());
            }
        }
        return out;
    }

    /** One request frame without its size prefix, or null at end of stream. */
    private static ByteBuffer readFrame(DataInputStream in) throws IOException {
        int size;
        try {
            size = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        byte[] b = new byte[size];
        in.readFully(b);
        return ByteBuffer.wrap(b);
    }

    /** Reads until the client goes away. */
    private static void drain(DataInputStream in) throws IOException {
        while (in.read() >= 0) {
            // discard
        }
    }

    private static void writeResponse(OutputStream out, RequestHeader request, int correlationId, Message body)
            throws IOException {
        short version = request.apiVersion();
        ByteBuffer payload = RequestUtils.serialize(new ResponseHeaderData().setCorrelationId(correlationId),
                request.apiKey().responseHeaderVersion(version), body, version);
        byte[] frame = new byte[4 + payload.remaining()];
        ByteBuffer.wrap(frame).putInt(payload.remaining()).put(payload);
        out.write(frame);
        out.flush();
    }

    /** A loopback TCP server that serves one connection at a time with a scripted handler. */
    private static final class FakeServer implements AutoCloseable {
        interface Handler {
            void serve(DataInputStream in, OutputStream out) throws IOException;
        }

        final ServerSocket server;
        final AtomicInteger accepted = new AtomicInteger();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final Thread thread;

        FakeServer(Handler handler) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        sockets.add(s);
                        accepted.incrementAndGet();
                        handler.serve(new DataInputStream(new BufferedInputStream(s.getInputStream())),
                                s.getOutputStream());
                    } catch (IOException e) {
                        // Client gone or server closed: next connection, or the loop ends.
                    }
                }
            }, "fake-server");
            thread.setDaemon(true);
            thread.start();
        }

        InterBrokerClient client(int socketTimeoutMs) {
            return new InterBrokerClient("127.0.0.1", server.getLocalPort(), "test-follower", socketTimeoutMs);
        }

        @Override
        public void close() throws Exception {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
            thread.join(5_000);
        }
    }
}
