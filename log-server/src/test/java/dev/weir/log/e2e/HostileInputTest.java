package dev.weir.log.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.RawKafkaClient;
import dev.weir.log.testing.TestBroker;
import static dev.weir.log.testing.ReadToEnd.readToEnd;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Raw-socket abuse of one in-process broker: garbage, impossible frame sizes, unknown APIs, corrupt
 * batches, and hundreds of silent or half-sent connections. The broker is shared by all tests, so the
 * abuse accumulates; every test ends by checking that well-behaved clients are still served and that
 * the records written before any abuse are intact.
 */
@Tag("fast")
class HostileInputTest {
    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);
    private static final String BASELINE = "baseline";
    private static final String CANARY = "canary";

    @TempDir
    static Path dir;
    static TestBroker broker;
    /** Long-lived well-behaved clients that must keep working while others abuse the broker. */
    static KafkaProducer<String, String> healthProducer;
    static KafkaConsumer<String, String> healthConsumer;
    /** Records written before any abuse: partition, offset, key, value. */
    static final List<ConsumerRecord<String, String>> baseline = new ArrayList<>();
    final List<RawKafkaClient> clients = new ArrayList<>();

    @BeforeAll
    static void startAndWriteBaseline() throws Exception {
        broker = new TestBroker(dir);
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(BASELINE, 2, (short) 1), new NewTopic(CANARY, 1, (short) 1)))
                    .all().get();
        }
        try (KafkaProducer<String, String> producer = broker.producer(Map.of("acks", "all"))) {
            List<ProducerRecord<String, String>> sent = new ArrayList<>();
            List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                ProducerRecord<String, String> r = new ProducerRecord<>(BASELINE, i % 2, "k" + i, "baseline-" + i);
                sent.add(r);
                acks.add(producer.send(r));
            }
            for (int i = 0; i < sent.size(); i++) {
                RecordMetadata md = acks.get(i).get();
                baseline.add(new ConsumerRecord<>(BASELINE, md.partition(), md.offset(), sent.get(i).key(),
                        sent.get(i).value()));
            }
        }
        healthProducer = broker.producer(Map.of("acks", "all"));
        healthConsumer = broker.consumer(Map.of("fetch.max.wait.ms", 50));
    }

    @AfterAll
    static void stop() {
        if (healthProducer != null) {
            healthProducer.close(Duration.ofSeconds(5));
        }
        if (healthConsumer != null) {
            healthConsumer.close(Duration.ofSeconds(5));
        }
        if (broker != null) {
            broker.close();
        }
    }

    @AfterEach
    void closeClients() throws IOException {
        for (RawKafkaClient c : clients) {
            c.close();
        }
    }

    private RawKafkaClient connect() throws IOException {
        RawKafkaClient c = RawKafkaClient.connect(broker.bootstrap());
        clients.add(c);
        return c;
    }

    /** Sends bytes the broker is expected to reject; a reset while writing already means "closed". */
    private static boolean sendExpectingRejection(RawKafkaClient c, byte[] bytes) throws IOException {
        try {
            c.sendRaw(bytes);
            return true;
        } catch (SocketException e) {
            return false;
        }
    }

    @Test
    void randomFramesAreRejectedByClosingTheConnection() throws Exception {
        for (int seed = 0; seed < 40; seed++) {
            Random random = new Random(seed);
            byte[] payload = new byte[8 + random.nextInt(4096)];
            random.nextBytes(payload);
            ByteBuffer frame = ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload);
            RawKafkaClient c = connect();
            if (sendExpectingRejection(c, frame.array())) {
                long answered = c.awaitClosedByPeer(CLOSE_WITHIN);
                assertEquals(0, answered, "seed " + seed + ": no response to a garbage frame");
            }
        }
        assertServesAndBaselineIntact();
    }

    @Test
    void randomBodiesBehindValidHeadersAreRejectedOrAnsweredButNeverHang() throws Exception {
        ApiVersionsResponseData advertised;
        try (RawKafkaClient c = RawKafkaClient.connect(broker.bootstrap())) {
            advertised = c.request(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("fuzz").setClientSoftwareVersion("1"));
        }
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (ApiVersionsResponseData.ApiVersion api : advertised.apiKeys()) {
            ApiKeys key = ApiKeys.forId(api.apiKey());
            for (short version : new short[]{(short) Math.max(api.minVersion(), key.oldestVersion()), api.maxVersion()}) {
                for (int seed = 0; seed < 8; seed++) {
                    Random random = new Random(key.id * 1000L + version * 10L + seed);
                    byte[] body = new byte[random.nextInt(200)];
                    random.nextBytes(body);
                    int correlationId = 77_000 + seed;
                    ByteBuffer header = RawKafkaClient.encodeRequest(key, version, correlationId,
                            new ApiVersionsRequestData());
                    String outcome;
                    try (RawKafkaClient c = RawKafkaClient.connect(broker.bootstrap())) {
                        // The header alone (the ApiVersions body is the empty one), then noise as the body.
                        int headerSize = headerSize(key, version);
                        ByteBuffer frame = ByteBuffer.allocate(headerSize + body.length);
                        frame.put(header.array(), 0, headerSize).put(body).flip();
                        frame.putShort(0, key.id).putShort(2, version);
                        c.sendFrame(frame);
                        outcome = awaitAnswerOrClose(c, correlationId);
                    }
                    outcomes.merge(key + ":" + outcome, 1, Integer::sum);
                }
            }
        }
        System.out.println("fuzzed bodies: " + outcomes);
        assertServesAndBaselineIntact();
    }

    @Test
    void validRequestsWithFlippedBytesAreRejectedOrAnsweredButNeverHang() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("fuzz", 2, (short) 1))).all().get();
        }
        ProduceRequestData produce = RawKafkaClient.produceRequest("fuzz", 0, MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("k".getBytes(StandardCharsets.UTF_8), "fuzzed value".getBytes(StandardCharsets.UTF_8))));
        produce.setAcks((short) 1);
        Map<ApiKeys, org.apache.kafka.common.protocol.ApiMessage> requests = new java.util.LinkedHashMap<>();
        requests.put(ApiKeys.PRODUCE, produce);
        requests.put(ApiKeys.METADATA, new org.apache.kafka.common.message.MetadataRequestData()
                .setAllowAutoTopicCreation(true)
                .setTopics(List.of(new org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic()
                        .setName("fuzz-meta"))));
        requests.put(ApiKeys.LIST_OFFSETS, new org.apache.kafka.common.message.ListOffsetsRequestData().setReplicaId(-1)
                .setTopics(List.of(new org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic()
                        .setName("fuzz").setPartitions(List.of(
                                new org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition()
                                        .setPartitionIndex(1).setTimestamp(-1))))));
        requests.put(ApiKeys.DESCRIBE_CONFIGS, new org.apache.kafka.common.message.DescribeConfigsRequestData()
                .setResources(List.of(new org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource()
                        .setResourceType((byte) 2).setResourceName("fuzz"))));
        requests.put(ApiKeys.INIT_PRODUCER_ID, new org.apache.kafka.common.message.InitProducerIdRequestData()
                .setTransactionTimeoutMs(60_000).setProducerId(-1).setProducerEpoch((short) -1));
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (var entry : requests.entrySet()) {
            ApiKeys key = entry.getKey();
            for (short version : new short[]{(short) Math.max(3, key.oldestVersion()), versionCap(key)}) {
                byte[] valid = RawKafkaClient.encodeRequest(key, version, 1, entry.getValue()).array();
                int headerSize = headerSize(key, version);
                for (int seed = 0; seed < 25; seed++) {
                    Random random = new Random(seed * 31L + key.id * 7L + version);
                    byte[] mutated = valid.clone();
                    int flips = 1 + random.nextInt(3);
                    for (int f = 0; f < flips; f++) {
                        int at = headerSize + random.nextInt(mutated.length - headerSize);
                        mutated[at] = (byte) random.nextInt(256);
                    }
                    ByteBuffer frame = ByteBuffer.wrap(mutated);
                    frame.putInt(4, 88_000 + seed);
                    String outcome;
                    try (RawKafkaClient c = RawKafkaClient.connect(broker.bootstrap())) {
                        c.sendFrame(frame);
                        outcome = awaitAnswerOrClose(c, 88_000 + seed);
                    }
                    outcomes.merge(key + ":" + outcome, 1, Integer::sum);
                }
            }
        }
        System.out.println("flipped bytes: " + outcomes);
        assertServesAndBaselineIntact();
    }

    @Test
    void pathLikeTopicNamesAreRefusedAndCreateNothingOnDisk() throws Exception {
        List<String> hostile = List.of("..", ".", "../escape", "a/b", "..\\escape", "nul\u0000byte", "x".repeat(250), "");
        try (Admin admin = broker.admin()) {
            for (String name : hostile) {
                var result = admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all();
                var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                        result::get, "topic '" + name + "' is refused");
                assertTrue(failure.getCause() instanceof org.apache.kafka.common.errors.InvalidTopicException,
                        "InvalidTopicException for '" + name + "', got " + failure.getCause());
            }
        }
        // Auto-creation through Metadata (raw, since kafka-clients validates names itself).
        try (RawKafkaClient c = connect()) {
            var topics = new java.util.ArrayList<org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic>();
            for (String name : hostile) {
                topics.add(new org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic().setName(name));
            }
            org.apache.kafka.common.message.MetadataResponseData md = c.request(ApiKeys.METADATA, (short) 12,
                    new org.apache.kafka.common.message.MetadataRequestData().setAllowAutoTopicCreation(true)
                            .setTopics(topics));
            assertEquals(hostile.size(), md.topics().size());
            md.topics().forEach(t -> assertEquals(Errors.INVALID_TOPIC_EXCEPTION.code(), t.errorCode(),
                    "Metadata error for '" + t.name() + "'"));
        }
        for (String escaped : List.of("escape", "escape-0", "b-0")) {
            assertFalse(java.nio.file.Files.exists(dir.getParent().resolve(escaped)), "nothing created outside log.dirs");
        }
        try (var files = java.nio.file.Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains("escape")), "nothing in log.dirs");
        }
        assertServesAndBaselineIntact();
    }

    private static short versionCap(ApiKeys key) {
        return switch (key) {
            case PRODUCE -> 12;
            case INIT_PRODUCER_ID -> 5;
            default -> key.latestVersion();
        };
    }

    private static int headerSize(ApiKeys key, short version) {
        org.apache.kafka.common.message.RequestHeaderData h = new org.apache.kafka.common.message.RequestHeaderData()
                .setRequestApiKey(key.id).setRequestApiVersion(version).setClientId("raw-test-client");
        return h.size(new org.apache.kafka.common.protocol.ObjectSerializationCache(), key.requestHeaderVersion(version));
    }

    /** "answered" (a response with the request's correlation id), "closed", or a failed assertion after 5 s. */
    private static String awaitAnswerOrClose(RawKafkaClient c, int correlationId) throws IOException {
        try {
            ByteBuffer response = c.receiveFrame();
            assertEquals(correlationId, response.getInt(), "a response answers the request sent");
            return "answered";
        } catch (java.io.EOFException | SocketException e) {
            return "closed";
        }
    }

    @Test
    void randomByteStreamsAreRejectedByClosingTheConnection() throws Exception {
        // Unframed noise: the first four bytes are taken as the size. These seeds give sizes that are
        // negative or above socket.request.max.bytes, or frames that complete within the noise; a
        // plausible size beyond the noise would (correctly) make the broker wait for more bytes.
        int rejected = 0;
        for (int seed = 100; seed < 140; seed++) {
            Random random = new Random(seed);
            byte[] noise = new byte[64 * 1024];
            random.nextBytes(noise);
            int size = ByteBuffer.wrap(noise).getInt();
            if (size >= 0 && size > noise.length - 4 && size <= 104_857_600) {
                continue;
            }
            RawKafkaClient c = connect();
            if (sendExpectingRejection(c, noise)) {
                c.awaitClosedByPeer(CLOSE_WITHIN);
            }
            rejected++;
        }
        assertTrue(rejected >= 30, "most seeds exercise a rejection, got " + rejected);
        assertServesAndBaselineIntact();
    }

    @ParameterizedTest(name = "size prefix 0x{0}")
    @ValueSource(strings = {"7FFFFFFF", "80000000", "FFFFFFFF", "FFFFFF00", "06400001"})
    void impossibleSizePrefixClosesTheConnectionWithoutAnswer(String hex) throws Exception {
        int size = Integer.parseUnsignedInt(hex, 16);
        assertTrue(size < 0 || size > 104_857_600, "beyond socket.request.max.bytes or negative");
        RawKafkaClient c = connect();
        // The size, then the start of an ApiVersions header, which must never be processed.
        ByteBuffer bytes = ByteBuffer.allocate(14).putInt(size).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 0)
                .putInt(1).putShort((short) -1);
        long start = System.nanoTime();
        if (sendExpectingRejection(c, bytes.array())) {
            assertEquals(0, c.awaitClosedByPeer(CLOSE_WITHIN), "no response");
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(CLOSE_WITHIN) < 0);
        assertServesAndBaselineIntact();
    }

    @ParameterizedTest(name = "api key {0}")
    @ValueSource(shorts = {-1, 5000, 9999, Short.MAX_VALUE, Short.MIN_VALUE})
    void unknownApiKeyClosesTheConnectionWithoutAnswer(short apiKey) throws Exception {
        assertFalse(ApiKeys.hasId(apiKey), "really unknown to kafka-clients");
        RawKafkaClient c = connect();
        ByteBuffer frame = ByteBuffer.allocate(10).putShort(apiKey).putShort((short) 0).putInt(5).putShort((short) -1).flip();
        c.sendFrame(frame);
        assertEquals(0, c.awaitClosedByPeer(CLOSE_WITHIN), "no response");
        assertServesAndBaselineIntact();
    }

    @Test
    void apiVersionsV127IsAnsweredInV0FormAndTheConnectionStaysUsable() throws Exception {
        RawKafkaClient c = connect();
        // Header v2 (flexible, like every ApiVersions v3+), then an empty tagged-field body.
        ByteBuffer frame = ByteBuffer.allocate(12).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 127)
                .putInt(4242).putShort((short) -1).put((byte) 0).put((byte) 0).flip();
        c.sendFrame(frame);

        ByteBuffer response = c.receiveFrame();
        assertEquals(4242, response.getInt(), "v0 response header: the correlation id only");
        ApiVersionsResponseData body = new ApiVersionsResponseData(new ByteBufferAccessor(response), (short) 0);
        assertEquals(0, response.remaining(), "exactly a v0 body");
        assertEquals(35, body.errorCode());
        assertEquals(Errors.UNSUPPORTED_VERSION.code(), body.errorCode());
        assertFalse(body.apiKeys().isEmpty());
        ApiVersionsResponseData.ApiVersion produce = body.apiKeys().find(ApiKeys.PRODUCE.id);
        assertNotNull(produce, "Produce is advertised");
        assertEquals(0, produce.minVersion(), "Produce advertised from v0");
        assertNotNull(body.apiKeys().find(ApiKeys.API_VERSIONS.id), "ApiVersions is advertised");

        // The client retries with a version from the list, on the same connection.
        short retry = body.apiKeys().find(ApiKeys.API_VERSIONS.id).maxVersion();
        ApiVersionsResponseData ok = c.request(ApiKeys.API_VERSIONS, retry,
                new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1.0"));
        assertEquals(Errors.NONE.code(), ok.errorCode());
        assertServesAndBaselineIntact();
    }

    enum Codec {
        NONE(Compression.NONE), GZIP(Compression.gzip().build());

        final Compression compression;

        Codec(Compression compression) {
            this.compression = compression;
        }
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void batchWithCorruptByteIsRejectedWithCorruptMessageAndNothingIsStored(Codec codec) throws Exception {
        String topic = "corrupt-" + codec.name().toLowerCase();
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        SimpleRecord[] records = new SimpleRecord[5];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), ("key-" + i).getBytes(StandardCharsets.UTF_8),
                    ("a value that must never be stored " + i).getBytes(StandardCharsets.UTF_8));
        }
        MemoryRecords corrupt = MemoryRecords.withRecords(codec.compression, records);
        ByteBuffer buf = corrupt.buffer();
        // The CRC covers everything from the attributes (byte 21) to the end of the batch; flip a bit
        // well inside that range (in the records, compressed or not).
        int victim = buf.limit() - 7;
        assertTrue(victim >= 61, "inside the records, after the 61-byte batch header");
        buf.put(victim, (byte) (buf.get(victim) ^ 0x10));
        assertFalse(corrupt.batches().iterator().next().isValid(), "the corruption breaks the batch CRC");

        RawKafkaClient c = connect();
        ProduceResponseData response = c.request(ApiKeys.PRODUCE, (short) 12, RawKafkaClient.produceRequest(topic, 0, corrupt));
        ProduceResponseData.PartitionProduceResponse partition =
                response.responses().iterator().next().partitionResponses().get(0);
        assertEquals(2, partition.errorCode(), "CORRUPT_MESSAGE");
        assertEquals(Errors.CORRUPT_MESSAGE.code(), partition.errorCode());

        try (Admin admin = broker.admin()) {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end =
                    admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get();
            assertEquals(0, end.get(tp).offset(), "ListOffsets: nothing stored");
        }

        // The same records intact are accepted and become offsets 0..4: nothing was stored before them.
        MemoryRecords valid = MemoryRecords.withRecords(codec.compression, records);
        ProduceResponseData ok = c.request(ApiKeys.PRODUCE, (short) 12, RawKafkaClient.produceRequest(topic, 0, valid));
        ProduceResponseData.PartitionProduceResponse accepted = ok.responses().iterator().next().partitionResponses().get(0);
        assertEquals(Errors.NONE.code(), accepted.errorCode());
        assertEquals(0, accepted.baseOffset());
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> read = readToEnd(consumer, List.of(tp));
            assertEquals(records.length, read.size());
            for (int i = 0; i < records.length; i++) {
                assertEquals(i, read.get(i).offset());
                assertEquals("a value that must never be stored " + i, read.get(i).value());
            }
        }
        assertServesAndBaselineIntact();
    }

    /**
     * A batch with a valid CRC whose header promises more records than it holds (the CRC is
     * recomputed, so only looking at the records reveals it). Kafka's LogValidator refuses it; stored,
     * it would make every consumer of the partition fail on it.
     */
    @ParameterizedTest
    @EnumSource(Codec.class)
    void batchDeclaringMoreRecordsThanItHoldsIsRefusedAndNothingIsStored(Codec codec) throws Exception {
        String topic = "lying-" + codec.name().toLowerCase();
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        SimpleRecord[] records = new SimpleRecord[3];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), null, ("honest " + i).getBytes(StandardCharsets.UTF_8));
        }
        MemoryRecords lying = MemoryRecords.withRecords(codec.compression, records);
        ByteBuffer buf = lying.buffer();
        buf.putInt(23, 3);   // last offset delta: 4 records...
        buf.putInt(57, 4);   // ...record count 4, but only 3 follow
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(buf.duplicate().position(21));
        buf.putInt(17, (int) crc.getValue());
        assertTrue(lying.batches().iterator().next().isValid(), "the CRC matches: only the records tell");

        RawKafkaClient c = connect();
        ProduceResponseData.PartitionProduceResponse refused = c.produce(topic, 0, lying);
        assertTrue(refused.errorCode() == Errors.INVALID_RECORD.code() || refused.errorCode() == Errors.CORRUPT_MESSAGE.code(),
                "refused as INVALID_RECORD or CORRUPT_MESSAGE, got " + Errors.forCode(refused.errorCode()));
        try (Admin admin = broker.admin()) {
            assertEquals(0, admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset(),
                    "nothing stored");
        }
        ProduceResponseData.PartitionProduceResponse accepted =
                c.produce(topic, 0, MemoryRecords.withRecords(codec.compression, records));
        assertEquals(Errors.NONE.code(), accepted.errorCode());
        assertEquals(0, accepted.baseOffset());
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> read = readToEnd(consumer, List.of(tp));
            assertEquals(List.of("honest 0", "honest 1", "honest 2"), read.stream().map(ConsumerRecord::value).toList());
        }
        assertServesAndBaselineIntact();
    }

    @Test
    void producingToPartitionsThatDoNotExistIsRefusedPerPartition() throws Exception {
        RawKafkaClient c = connect();
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("nowhere".getBytes(StandardCharsets.UTF_8)));
        for (int partition : new int[]{-1, 2, 9999, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            ProduceResponseData.PartitionProduceResponse r = c.produce(BASELINE, partition, records);
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), r.errorCode(), "partition " + partition);
        }
        assertServesAndBaselineIntact();
    }

    /**
     * A client that pipelines thousands of requests (megabytes of responses) without reading: other
     * clients are served meanwhile, and once it reads, every response arrives, in request order.
     */
    @Test
    void pipelinedFloodWithoutReadingIsAnsweredInOrderOnceRead() throws Exception {
        RawKafkaClient flooder = connect();
        int requests = 5_000;
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < requests; i++) {
            ByteBuffer frame = RawKafkaClient.encodeRequest(ApiKeys.API_VERSIONS, (short) 3, 100_000 + i,
                    new ApiVersionsRequestData().setClientSoftwareName("flood").setClientSoftwareVersion("1"));
            all.write(ByteBuffer.allocate(4).putInt(frame.remaining()).array());
            all.write(frame.array(), frame.arrayOffset(), frame.remaining());
        }
        // Written from another thread: once back-pressure kicks in, the write blocks until we read.
        Thread writer = new Thread(() -> {
            try {
                flooder.sendRaw(all.toByteArray());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "flood-writer");
        writer.setDaemon(true);
        writer.start();

        assertServesAndBaselineIntact();   // others are served while the flooder is not reading

        for (int i = 0; i < requests; i++) {
            ByteBuffer response = flooder.receiveFrame();
            assertEquals(100_000 + i, response.getInt(), "response " + i + " in request order");
        }
        writer.join(10_000);
        assertFalse(writer.isAlive(), "all requests were written");
    }

    @Test
    void hundredsOfSilentAndHalfSentConnectionsDoNotStarveRealClients() throws Exception {
        for (int i = 0; i < 300; i++) {
            connect();
        }
        for (int i = 0; i < 30; i++) {
            RawKafkaClient c = connect();
            byte[] half = new byte[14];
            ByteBuffer.wrap(half).putInt(1000).putShort(ApiKeys.METADATA.id).putShort((short) 12).putInt(i);
            c.sendRaw(half);
        }
        for (int i = 0; i < 10; i++) {
            // A size prefix that stops after two of its four bytes.
            connect().sendRaw(new byte[]{0, 0});
        }

        Map<String, Object> producerConfig = Map.of("acks", "all", "linger.ms", 0);
        String topic = "busy";
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        Map<Long, String> expected = new HashMap<>();
        List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                new TopicPartition(topic, 2));
        try (KafkaProducer<String, String> producer = broker.producer(producerConfig)) {
            for (int i = 0; i < 600; i++) {
                RecordMetadata md = producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, "busy-" + i)).get();
                expected.put(md.partition() * 1_000_000L + md.offset(), "busy-" + i);
            }
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            List<ConsumerRecord<String, String>> read = readToEnd(consumer, tps);
            assertEquals(600, read.size());
            for (ConsumerRecord<String, String> r : read) {
                assertEquals(expected.get(r.partition() * 1_000_000L + r.offset()), r.value());
            }
        }

        // The silent ones were not dropped on the floor either: one of them can still talk.
        RawKafkaClient late = clients.get(0);
        ApiVersionsResponseData versions = late.request(ApiKeys.API_VERSIONS, (short) 3,
                new ApiVersionsRequestData().setClientSoftwareName("late").setClientSoftwareVersion("1"));
        assertEquals(Errors.NONE.code(), versions.errorCode());
        assertServesAndBaselineIntact();
    }

    /**
     * The broker accepts a new connection and answers it, a well-behaved client produces and consumes,
     * and the pre-abuse records are all there, unchanged.
     */
    private static void assertServesAndBaselineIntact() throws Exception {
        try (RawKafkaClient fresh = RawKafkaClient.connect(broker.bootstrap())) {
            ApiVersionsResponseData versions = fresh.request(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("health").setClientSoftwareVersion("1"));
            assertEquals(Errors.NONE.code(), versions.errorCode());
        }
        String value = "canary-" + System.nanoTime();
        long offset = healthProducer.send(new ProducerRecord<>(CANARY, 0, "c", value)).get().offset();
        TopicPartition canary = new TopicPartition(CANARY, 0);
        healthConsumer.assign(List.of(canary));
        healthConsumer.seek(canary, offset);
        List<ConsumerRecord<String, String>> read = readToEnd(healthConsumer, List.of(canary));
        assertEquals(1, read.size());
        assertEquals(value, read.get(0).value());

        List<TopicPartition> baselineTps = List.of(new TopicPartition(BASELINE, 0), new TopicPartition(BASELINE, 1));
        healthConsumer.assign(baselineTps);
        healthConsumer.seekToBeginning(baselineTps);
        List<ConsumerRecord<String, String>> all = readToEnd(healthConsumer, baselineTps);
        assertEquals(baseline.size(), all.size(), "baseline record count");
        Map<String, ConsumerRecord<String, String>> byPosition = new HashMap<>();
        all.forEach(r -> byPosition.put(r.partition() + "@" + r.offset(), r));
        for (ConsumerRecord<String, String> want : baseline) {
            ConsumerRecord<String, String> got = byPosition.get(want.partition() + "@" + want.offset());
            assertNotNull(got, "baseline record at " + want.partition() + "@" + want.offset());
            assertEquals(want.key(), got.key());
            assertEquals(want.value(), got.value());
        }
    }
}
