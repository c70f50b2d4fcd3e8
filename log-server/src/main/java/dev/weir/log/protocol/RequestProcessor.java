package dev.weir.log.protocol;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one request frame into its response frame: parses the header and body with kafka-clients'
 * generated classes, dispatches to the {@link ApiHandler} registered for its API key, and encodes the answer.
 * ApiVersions is answered here from {@link ApiVersionTable}. Requests that cannot be parsed close the connection,
 * as Kafka does; a handler failure becomes the API's error response.
 *
 * <p>Thread-safe and stateless per call; called on request-handler threads.
 */
public final class RequestProcessor {
    private static final Logger log = LoggerFactory.getLogger(RequestProcessor.class);

    /** What the connection does with a processed request. */
    public sealed interface Outcome permits Respond, NoResponse, Close {}

    public record Respond(ResponseFrame frame) implements Outcome {}

    /** acks=0 produce: the client expects nothing back. */
    public record NoResponse() implements Outcome {}

    public record Close(String reason) implements Outcome {}

    private final ApiHandlers handlers;
    private final ApiVersionTable versions;

    /**
     * @throws IllegalStateException unless {@code handlers} has a handler for exactly the APIs {@code versions}
     *                               advertises, ApiVersions excepted (answered here)
     */
    public RequestProcessor(ApiHandlers handlers, ApiVersionTable versions) {
        checkHandlersMatchAdvertised(handlers.keys(), versions.apis());
        this.handlers = handlers;
        this.versions = versions;
    }

    /** A broker that advertises an API it cannot answer, or answers one it does not advertise, must not start. */
    static void checkHandlersMatchAdvertised(Set<ApiKeys> registered, Set<ApiKeys> advertised) {
        if (registered.contains(ApiKeys.API_VERSIONS)) {
            throw new IllegalStateException("API_VERSIONS is answered by RequestProcessor from ApiVersionTable; "
                    + "remove its handler registration");
        }
        Set<ApiKeys> expected = EnumSet.noneOf(ApiKeys.class);
        expected.addAll(advertised);
        expected.remove(ApiKeys.API_VERSIONS);
        if (expected.equals(registered)) {
            return;
        }
        Set<ApiKeys> unhandled = EnumSet.noneOf(ApiKeys.class);
        unhandled.addAll(expected);
        unhandled.removeAll(registered);
        Set<ApiKeys> unadvertised = EnumSet.noneOf(ApiKeys.class);
        unadvertised.addAll(registered);
        unadvertised.removeAll(expected);
        throw new IllegalStateException("the registered API handlers do not match ApiVersionTable: advertised without "
                + "a handler " + unhandled + ", handled but not advertised " + unadvertised
                + "; register a handler and pin its versions in ApiVersionTable together");
    }

    public CompletableFuture<Outcome> process(ByteBuffer frame, String clientAddress) {
        if (frame.remaining() < 8) {
            return done(new Close("request of " + frame.remaining() + " bytes is shorter than a request header"));
        }
        short apiKeyId = frame.getShort(frame.position());
        short version = frame.getShort(frame.position() + 2);
        int correlationId = frame.getInt(frame.position() + 4);
        if (!ApiKeys.hasId(apiKeyId)) {
            return done(new Close("unknown API key " + apiKeyId));
        }
        ApiKeys key = ApiKeys.forId(apiKeyId);
        if (key == ApiKeys.API_VERSIONS && !versions.isSupported(key, version)) {
            // The client learns our ranges from a v0 body and retries with a version it finds there.
            return done(new Respond(encode(correlationId, (short) 0,
                    versions.response(Errors.UNSUPPORTED_VERSION.code()), (short) 0)));
        }
        if (key == ApiKeys.PRODUCE && version < ApiKeys.PRODUCE.oldestVersion()) {
            return done(LegacyProduceRejection.respond(frame, version));
        }
        if (!versions.isSupported(key, version)) {
            return done(new Close(key + " v" + version + " is not supported"));
        }

        RequestHeader header;
        AbstractRequest request;
        try {
            header = RequestHeader.parse(frame);
            RequestAndSize parsed = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(frame));
            request = parsed.request;
        } catch (RuntimeException e) {
            // BufferUnderflowException, SchemaException, InvalidRequestException...: a malformed request.
            return done(new Close("malformed " + key + " v" + version + " request: " + describe(e)));
        }

        RequestContext ctx = new RequestContext(correlationId, header.clientId(), version, clientAddress);
        CompletableFuture<? extends ApiMessage> response;
        try {
            response = dispatch(key, ctx, request.data());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        short headerVersion = key.responseHeaderVersion(version);
        return response.handle((body, error) -> {
            ApiMessage answer = body;
            if (error != null) {
                log.warn("{} v{} from {} failed", key, version, clientAddress, error);
                answer = request.getErrorResponse(0, unwrap(error)).data();
            }
            if (key == ApiKeys.PRODUCE && ((ProduceRequestData) request.data()).acks() == 0) {
                // acks=0: no response; Kafka signals a failed write by closing the connection.
                return hasErrors((ProduceResponseData) answer)
                        ? new Close("acks=0 produce failed")
                        : new NoResponse();
            }
            return new Respond(encode(correlationId, headerVersion, answer, version));
        });
    }

    private CompletableFuture<? extends ApiMessage> dispatch(ApiKeys key, RequestContext ctx, ApiMessage body) {
        if (key == ApiKeys.API_VERSIONS) {
            return CompletableFuture.completedFuture(versions.response(Errors.NONE.code()));
        }
        return handlers.handle(key, ctx, body);
    }

    private static boolean hasErrors(ProduceResponseData response) {
        return response.responses().stream()
                .flatMap(t -> t.partitionResponses().stream())
                .anyMatch(p -> p.errorCode() != Errors.NONE.code());
    }

    /** Encodes header and body behind a 4-byte size; record fields stay zero-copy parts. */
    static ResponseFrame encode(int correlationId, short headerVersion, ApiMessage body, short version) {
        var header = new org.apache.kafka.common.message.ResponseHeaderData().setCorrelationId(correlationId);
        var cache = new org.apache.kafka.common.protocol.ObjectSerializationCache();
        var size = new org.apache.kafka.common.protocol.MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, version);
        FrameWriter writer = new FrameWriter(size.sizeExcludingZeroCopy() + 4);
        writer.writeInt(size.totalSize());
        header.write(writer, cache, headerVersion);
        body.write(writer, cache, version);
        return new ResponseFrame(writer.finish(), size.totalSize() + 4);
    }

    private static CompletableFuture<Outcome> done(Outcome outcome) {
        return CompletableFuture.completedFuture(outcome);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String describe(RuntimeException e) {
        return e instanceof BufferUnderflowException ? "truncated" : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Used by tests and tools that want the ApiVersions answer without a connection. */
    public ApiVersionsResponseData apiVersions() {
        return versions.response(Errors.NONE.code());
    }
}
