package dev.weir.log.protocol;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.junit.jupiter.api.Test;

/** The handler registry and the request processor's start-up check against {@link ApiVersionTable}. */
@Tag("fast")
class ApiHandlersTest {
    private static final ApiVersionTable TABLE = new ApiVersionTable();

    @Test
    void everyAdvertisedApiRegisteredStarts() throws Exception {
        RequestProcessor processor = new RequestProcessor(RequestProcessorRoundTripTest.defaultAnswers(), TABLE);
        ByteBuffer frame = RequestProcessorRoundTripTest.requestFrame(ApiKeys.METADATA, (short) 12, 5,
                new MetadataRequestData());
        assertTrue(processor.process(frame, "test").get() instanceof RequestProcessor.Respond);
    }

    @Test
    void anAdvertisedApiWithoutAHandlerFailsAtStartNamingIt() {
        ApiHandlers missingMetadata = withoutKey(RequestProcessorRoundTripTest.defaultAnswers(), ApiKeys.METADATA);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new RequestProcessor(missingMetadata, TABLE));
        assertTrue(e.getMessage().contains("advertised without a handler [METADATA]"), e.getMessage());
    }

    @Test
    void aHandlerForAnUnadvertisedApiFailsAtStartNamingIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RequestProcessor
                .checkHandlersMatchAdvertised(EnumSet.of(ApiKeys.METADATA, ApiKeys.CONSUMER_GROUP_HEARTBEAT),
                        EnumSet.of(ApiKeys.API_VERSIONS, ApiKeys.METADATA)));
        assertTrue(e.getMessage().contains("handled but not advertised [CONSUMER_GROUP_HEARTBEAT]"), e.getMessage());
    }

    @Test
    void apiVersionsCannotBeRegistered() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RequestProcessor
                .checkHandlersMatchAdvertised(EnumSet.of(ApiKeys.API_VERSIONS),
                        EnumSet.of(ApiKeys.API_VERSIONS)));
        assertTrue(e.getMessage().contains("API_VERSIONS"), e.getMessage());
    }

    @Test
    void aClassThatIsNoApisRequestIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiHandlers.builder()
                .add(MetadataResponseData.class, (ctx, r) -> CompletableFuture.completedFuture(r)));
        assertEquals(MetadataResponseData.class.getName() + " is not the request class of a Kafka API", e.getMessage());
    }

    @Test
    void theRequestClassNamesTheApiKey() {
        ApiHandlers handlers = ApiHandlers.builder()
                .addSync(FetchRequestData.class, (ctx, r) -> new FetchResponseData())
                .build();
        assertEquals(Set.of(ApiKeys.FETCH), handlers.keys());
    }

    @Test
    void twoHandlersForOneApiAreRefused() {
        ApiHandlers.Builder builder = ApiHandlers.builder()
                .addSync(MetadataRequestData.class, (ctx, r) -> new MetadataResponseData());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder
                .addSync(MetadataRequestData.class, (ctx, r) -> new MetadataResponseData()));
        assertEquals("METADATA already has a handler", e.getMessage());
    }

    /** Every handler of {@code all} but {@code dropped}'s. */
    private static ApiHandlers withoutKey(ApiHandlers all, ApiKeys dropped) {
        ApiHandlers.Builder builder = ApiHandlers.builder();
        for (ApiKeys key : all.keys()) {
            if (key != dropped) {
                forward(builder, all, key, key.messageType.newRequest().getClass());
            }
        }
        return builder.build();
    }

    private static <Q extends ApiMessage> void forward(
            ApiHandlers.Builder builder, ApiHandlers all, ApiKeys key, Class<Q> type) {
        builder.add(type, (ctx, r) -> all.handle(key, ctx, r).thenApply(m -> m));
    }
}
