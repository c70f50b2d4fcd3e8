package dev.weir.registry.rest;

import dev.weir.registry.RegistryException;
import dev.weir.registry.cluster.LeaderElector;
import java.io.IOException;
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
    private final LeaderElector elector;
    private final long timeoutMs;

    LeaderForwarder(LeaderElector elector, long timeoutMs) {
        this.elector = elector;
        this.timeoutMs = timeoutMs;
    }

    Reply forward(String method, String pathAndQuery, String contentType, String body) {
        String leader = elector.leaderUrl();
        if (leader == null) {
            throw RegistryException.unknownLeader();
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(leader + pathAndQuery))
                .timeout(Duration.ofMillis(timeoutMs + 5000))
                .header(HEADER, "true")
                .header("Content-Type", contentType == null ? "application/vnd.schemaregistry.v1+json" : contentType)
                .method(method, body == null || body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        } catch (IOException e) {
            throw RegistryException.forwardError(leader + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryException.forwardError("interrupted");
        }
    }
}
