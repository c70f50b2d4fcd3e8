package dev.weir.log.protocol;

import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The broker's API handlers, at most one per {@link ApiKeys}. A handler is registered under its generated request
 * class ({@code MetadataRequestData.class}, ...), which names the API key without the layer above protocol touching
 * kafka-clients' {@code protocol} package, and types the handler so it can never receive another API's body. Built
 * once by that layer and handed to {@link RequestProcessor}, which refuses to start unless the registered keys are
 * exactly those {@link ApiVersionTable} advertises (ApiVersions itself is answered by protocol). Immutable.
 */
public final class ApiHandlers {
    /** Each API's request class, and its key. */
    private static final Map<Class<?>, ApiKeys> KEYS_BY_REQUEST_TYPE = keysByRequestType();

    private final Map<ApiKeys, Registered<?>> byKey;

    private ApiHandlers(Map<ApiKeys, Registered<?>> byKey) {
        this.byKey = Collections.unmodifiableMap(new EnumMap<>(byKey));
    }

    private record Registered<Q extends ApiMessage>(Class<Q> requestType, ApiHandler<Q, ?> handler) {
        CompletableFuture<? extends ApiMessage> handle(RequestContext ctx, ApiMessage request) {
            return handler.handle(ctx, requestType.cast(request));
        }
    }

    private static Map<Class<?>, ApiKeys> keysByRequestType() {
        Map<Class<?>, ApiKeys> out = new HashMap<>();
        for (ApiKeys key : ApiKeys.values()) {
            try {
                out.put(key.messageType.newRequest().getClass(), key);
            } catch (UnsupportedVersionException e) {
                // A key kafka-clients still lists but has no message class for any more (e.g. LeaderAndIsr).
            }
        }
        return Map.copyOf(out);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The APIs with a handler. */
    public Set<ApiKeys> keys() {
        return byKey.keySet();
    }

    /** @throws IllegalStateException if {@code key} has no handler (RequestProcessor's start check rules it out) */
    CompletableFuture<? extends ApiMessage> handle(ApiKeys key, RequestContext ctx, ApiMessage request) {
        Registered<?> registered = byKey.get(key);
        if (registered == null) {
            throw new IllegalStateException(key + " has no handler");
        }
        return registered.handle(ctx, request);
    }

    /** Collects registrations; not thread-safe. */
    public static final class Builder {
        private final Map<ApiKeys, Registered<?>> byKey = new EnumMap<>(ApiKeys.class);

        private Builder() {}

        /**
         * Registers the handler of the API whose request class is {@code requestType}.
         *
         * @throws IllegalArgumentException if {@code requestType} is no API's request class, or the API already has
         *                                  a handler
         */
        public <Q extends ApiMessage, R extends ApiMessage> Builder add(Class<Q> requestType, ApiHandler<Q, R> handler) {
            ApiKeys key = KEYS_BY_REQUEST_TYPE.get(requestType);
            if (key == null) {
                throw new IllegalArgumentException(requestType.getName() + " is not the request class of a Kafka API");
            }
            if (byKey.putIfAbsent(key, new Registered<>(requestType, handler)) != null) {
                throw new IllegalArgumentException(key + " already has a handler");
            }
            return this;
        }

        /** {@link #add} for a handler that answers at once, on the calling thread. */
        public <Q extends ApiMessage, R extends ApiMessage> Builder addSync(Class<Q> requestType,
                                                                       BiFunction<RequestContext, Q, R> handler) {
            return add(requestType, (RequestContext ctx, Q request) ->
                    CompletableFuture.completedFuture(handler.apply(ctx, request)));
        }

        public ApiHandlers build() {
            return new ApiHandlers(byKey);
        }
    }
}
