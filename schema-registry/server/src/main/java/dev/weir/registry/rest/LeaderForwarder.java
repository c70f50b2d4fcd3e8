package dev.weir.registry.rest;

import dev.weir.registry.RegistryException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Sends a write that reached a follower to the leader, over HTTP, and returns the leader's answer as is.
 * Forwarded requests carry {@value #HEADER} so a request is forwarded at most once (no loops while
 * leadership moves). Blocking: call from worker threads only. Thread-safe (one shared {@link HttpClient}).
 */
final class LeaderForwarder {
    static final String HEADER = "X-Weir-Forwarded";
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final long timeoutMs;

    /** The leader certainly did not apply the write (nothing listens there, or it no longer leads): retry elsewhere. */
    static final class NotLeaderAnyMore extends Exception {
        NotLeaderAnyMore(String why) {
            super(why, null, false, false);
        }
    }

    LeaderForwarder(long timeoutMs) {
        this.timeoutMs = timeoutMs;
    }

    /**
     * @throws NotLeaderAnyMore when {@code leader} refused the connection or answered that it is not the
     *         leader (error_code 50004): it has not applied the write, so sending it to the next leader is safe
     */
    Reply forward(String leader, String method, String pathAndQuery, String contentType, String body) throws NotLeaderAnyMore {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(leader + pathAndQuery))
                .timeout(Duration.ofMillis(timeoutMs + 5000))
                .header(HEADER, "true")
                .header("Content-Type", contentType == null ? "application/vnd.schemaregistry.v1+json" : contentType)
                .method(method, body == null || body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r;
        try {
            r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new NotLeaderAnyMore(leader + ": " + e);
        } catch (IOException e) {
            throw RegistryException.forwardError(leader + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryException.forwardError("interrupted");
        }
        if (r.statusCode() == 500 && errorCode(r.body()) == RegistryException.UNKNOWN_LEADER) {
            throw new NotLeaderAnyMore(leader + " is not the leader any more");
        }
        return new Reply(r.statusCode(), r.body());
    }

    private static int errorCode(String body) {
        try {
            Integer code = new JsonObject(body == null ? "" : body).getInteger("error_code");
            return code == null ? 0 : code;
        } catch (DecodeException | ClassCastException e) {
            return 0;
        }
    }
}
