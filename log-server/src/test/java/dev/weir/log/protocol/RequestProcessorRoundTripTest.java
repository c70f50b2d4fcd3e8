package dev.weir.log.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.RawKafkaClient;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every advertised API at every advertised version: a request encoded by kafka-clients is decoded
 * and dispatched, and the response comes back in a form kafka-clients parses, with the request's
 * correlation id and the right header version.
 */
@Tag("fast")
class RequestProcessorRoundTripTest {
    private static final ApiVersionTable TABLE = new ApiVersionTable();

    /** Handlers that answer every advertised API with its default (empty) response. */
    private static final ApiHandlers DEFAULT_ANSWERS = defaultAnswers();

    private final RequestProcessor processor = new RequestProcessor(DEFAULT_ANSWERS, TABLE);

    static Stream<Arguments> everyAdvertisedVersion() {
        List<Arguments> out = new ArrayList<>();
        for (ApiVersionsResponseData.ApiVersion v : TABLE.advertised()) {
            ApiKeys key = ApiKeys.forId(v.apiKey());
            for (short version = TABLE.range(key).min(); version <= v.maxVersion(); version++) {
                out.add(Arguments.of(key, version));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("everyAdvertisedVersion")
    void requestDecodesAndResponseEncodesAtEveryVersion(ApiKeys key, short version) throws Exception {
        ApiMessage request = ApiMessageType.fromApiKey(key.id).newRequest();
        if (key == ApiKeys.PRODUCE) {
            ((org.apache.kafka.common.message.ProduceRequestData) request).setAcks((short) 1);
        }
        ByteBuffer frame = requestFrame(key, version, 42, request);

        RequestProcessor.Outcome outcome = processor.process(frame, "test").get();

        ByteBuffer response = bytesOf(assertInstanceOf(RequestProcessor.Respond.class, outcome).frame());
        assertEquals(response.remaining() - 4, response.getInt(), "size prefix");
        ResponseHeaderData header = new ResponseHeaderData(new ByteBufferAccessor(response), key.responseHeaderVersion(version));
        assertEquals(42, header.correlationId());
        ApiMessage body = ApiMessageType.fromApiKey(key.id).newResponse();
        body.read(new ByteBufferAccessor(response), version);
        assertEquals(0, response.remaining(), "the response has no trailing bytes");
    }

    @Test
    void tooNewApiVersionsIsAnsweredInV0FormWithTheSupportedRanges() throws Exception {
        ByteBuffer frame = rawHeader(ApiKeys.API_VERSIONS.id, (short) 127, 7);

        RequestProcessor.Outcome outcome = processor.process(frame, "test").get();

        ByteBuffer response = bytesOf(assertInstanceOf(RequestProcessor.Respond.class, outcome).frame());
        response.getInt();
        assertEquals(7, response.getInt(), "v0 response header: just the correlation id");
        ApiVersionsResponseData body = new ApiVersionsResponseData(new ByteBufferAccessor(response), (short) 0);
        assertEquals(Errors.UNSUPPORTED_VERSION.code(), body.errorCode());
        assertTrue(body.apiKeys().find(ApiKeys.PRODUCE.id).minVersion() == 0, "Produce advertised from v0");
        assertTrue(body.apiKeys().size() >= 14);
    }

    @Test
    void unknownApiKeyClosesTheConnection() throws Exception {
        RequestProcessor.Outcome outcome = processor.process(rawHeader((short) 9999, (short) 0, 1), "test").get();
        assertInstanceOf(RequestProcessor.Close.class, outcome);
    }

    @Test
    void unsupportedVersionOfAnImplementedApiClosesTheConnection() throws Exception {
        short tooNew = (short) (TABLE.range(ApiKeys.METADATA).max() + 1);
        RequestProcessor.Outcome outcome = processor.process(rawHeader(ApiKeys.METADATA.id, tooNew, 1), "test").get();
        assertInstanceOf(RequestProcessor.Close.class, outcome);
    }

    @Test
    void truncatedBodyClosesTheConnection() throws Exception {
        ByteBuffer frame = requestFrame(ApiKeys.METADATA, (short) 12, 3,
                ApiMessageType.fromApiKey(ApiKeys.METADATA.id).newRequest());
        ByteBuffer truncated = ByteBuffer.wrap(frame.array(), 0, frame.limit() - 2);
        assertInstanceOf(RequestProcessor.Close.class, processor.process(truncated, "test").get());
    }

    @Test
    void produceV2IsAnsweredWithUnsupportedVersion() throws Exception {
        // header v1 + Produce v2 body: acks=1, timeout, one topic "t" with partition 0 and 0 bytes of records
        ByteBuffer frame = ByteBuffer.allocate(64);
        frame.putShort(ApiKeys.PRODUCE.id).putShort((short) 2).putInt(11).putShort((short) -1);
        frame.putShort((short) 1).putInt(1000).putInt(1).putShort((short) 1).put((byte) 't').putInt(1).putInt(0).putInt(0);
        frame.flip();

        ByteBuffer response = bytesOf(assertInstanceOf(RequestProcessor.Respond.class,
                processor.process(frame, "test").get()).frame());
        response.getInt();
        assertEquals(11, response.getInt());
        assertEquals(1, response.getInt(), "one topic");
        response.position(response.position() + 2 + 1);
        assertEquals(1, response.getInt(), "one partition");
        assertEquals(0, response.getInt(), "partition 0");
        assertEquals(Errors.UNSUPPORTED_VERSION.code(), response.getShort());
    }

    static ApiHandlers defaultAnswers() {
        ApiHandlers.Builder builder = ApiHandlers.builder();
        for (ApiKeys key : TABLE.apis()) {
            if (key != ApiKeys.API_VERSIONS) {
                answerWithDefault(builder, key.messageType.newRequest().getClass());
            }
        }
        return builder.build();
    }

    private static <Q extends ApiMessage> void answerWithDefault(ApiHandlers.Builder builder, Class<Q> requestType) {
        builder.add(requestType, (ctx, request) ->
                CompletableFuture.completedFuture(ApiMessageType.fromApiKey(request.apiKey()).newResponse()));
    }

    static ByteBuffer requestFrame(ApiKeys key, short version, int correlationId, ApiMessage body) {
        return RawKafkaClient.encodeRequest(key, version, correlationId, body);
    }

    private static ByteBuffer rawHeader(short apiKey, short version, int correlationId) {
        ByteBuffer b = ByteBuffer.allocate(10);
        b.putShort(apiKey).putShort(version).putInt(correlationId).putShort((short) -1);
        return b.flip();
    }

    static ByteBuffer bytesOf(ResponseFrame frame) {
        ByteBuffer all = ByteBuffer.allocate(frame.totalBytes());
        for (ResponseFrame.Part part : frame.parts()) {
            all.put(((ResponseFrame.HeapPart) part).bytes().duplicate());
        }
        return all.flip();
    }
}
