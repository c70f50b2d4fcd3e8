package dev.weir.registry.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON over HTTP to one or more registry base URLs, with Confluent's content type. A request is tried on each
 * URL in turn until one answers (any HTTP answer, error or not, ends the attempt); an error answer becomes a
 * {@link SchemaRegistryException} with the registry's {@code error_code} and {@code message}.
 * Thread-safe: {@link HttpClient} and {@link ObjectMapper} are.
 */
final class RegistryHttp {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<URI> baseUrls;
    private final HttpClient http;
    private final Duration timeout;

    RegistryHttp(List<String> baseUrls, Duration timeout) {
        if (baseUrls.isEmpty()) {
            throw new IllegalArgumentException("No schema registry URL given");
        }
        List<URI> uris = new ArrayList<>();
        for (String url : baseUrls) {
            String trimmed = url.trim();
            uris.add(URI.create(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed));
        }
        this.baseUrls = List.copyOf(uris);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** Percent-encodes one path segment (a subject name may contain '/', ' ' and so on). */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code GET path}; returns the JSON body. */
    JsonNode get(String path) {
        return send(path, null);
    }

    /** {@code POST path} with a JSON body; returns the JSON body of the answer. */
    JsonNode post(String path, Object body) {
        try {
            return send(path, JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new SchemaRegistryException("Cannot encode request to " + path, e);
        }
    }

    private JsonNode send(String path, String body) {
        IOException last = null;
        for (URI base : baseUrls) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(timeout)
                    .header("Accept", CONTENT_TYPE + ", application/json");
            if (body == null) {
                request.GET();
            } else {
                request.header("Content-Type", CONTENT_TYPE)
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                last = e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("Interrupted calling schema registry " + base + path, e);
            }
            return parse(base + path, response);
        }
        throw new SchemaRegistryException("Schema registry unreachable at " + baseUrls + " for " + path, last);
    }

    private static JsonNode parse(String url, HttpResponse<String> response) {
        JsonNode json;
        try {
            json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300 && json != null) {
            return json;
        }
        int errorCode = json != null && json.hasNonNull("error_code") ? json.get("error_code").asInt() : status;
        String message = json != null && json.hasNonNull("message") ? json.get("message").asText() : response.body();
        throw new SchemaRegistryException(
                "Schema registry error " + errorCode + " (HTTP " + status + ") from " + url + ": " + message,
                status, errorCode);
    }
}
