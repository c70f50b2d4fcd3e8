package dev.weir.log.protocol;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The handler of one Kafka API, on kafka-clients' generated request and response classes. Called on a
 * request-handler thread, never on an event loop; it may block briefly (a disk append) but completes the future
 * later for waits of unbounded length (long-poll fetch, acks=all). A future completed exceptionally, or a thrown
 * exception, becomes the API's error response. Registered per API key in {@link ApiHandlers}.
 *
 * @param <Q> the API's request data class
 * @param <R> the API's response data class
 */
@FunctionalInterface
public interface ApiHandler<Q extends ApiMessage, R extends ApiMessage> {
    CompletableFuture<R> handle(RequestContext ctx, Q request);
}
