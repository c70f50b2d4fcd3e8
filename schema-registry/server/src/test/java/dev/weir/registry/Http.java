package dev.weir.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny real-HTTP client for the registry's REST API (java.net.http). */
final class Http {
    static final String CT = "application/vnd.schemaregistry.v1+json";
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    Http(String base) {
        this.base = base;
    }

    record Resp(int status, String body, String contentType) {
        JsonObject json() {
            return new JsonObject(body);
        }

        JsonArray array() {
            return new JsonArray(body);
        }

        int errorCode() {
            return json().getInteger("error_code");
        }
    }

    Resp get(String path) {
        return send("GET", path, null);
    }

    Resp delete(String path) {
        return send("DELETE", path, null);
    }

    Resp post(String path, Object body) {
        return send("POST", path, body);
    }

    Resp put(String path, Object body) {
        return send("PUT", path, body);
    }

    Resp send(String method, String path, Object body) {
        String text = body == null ? null : body instanceof JsonObject o ? o.encode() : body.toString();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", CT)
                .method(method, text == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text));
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Resp(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException e) {
            throw new RuntimeException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    /** {"schema": schema} */
    static JsonObject schemaBody(String schema) {
        return new JsonObject().put("schema", schema);
    }

    /** An Avro record schema {@code name} with the given field JSON snippets. */
    static String record(String name, String... fields) {
        return "{\"type\":\"record\",\"name\":\"" + name + "\",\"namespace\":\"test\",\"fields\":["
                + String.join(",", fields) + "]}";
    }
}
