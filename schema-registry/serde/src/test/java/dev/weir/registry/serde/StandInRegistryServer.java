package dev.weir.registry.serde;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/**
 * A peer for the serde's unit tests ({@link WeirAvroSerdeTest}) that counts the requests it serves, so they
 * can check the client's cache and its handling of each error code; the end-to-end tests
 * ({@link WeirAvroSerdeBrokerTest}) use the real Weir registry.
 *
 * <p>A minimal in-memory HTTP server (Vert.x) answering only the four Confluent Schema Registry REST calls the
 * serde makes, with Confluent's documented shapes and error codes, so that the serde's client is exercised
 * over real HTTP:
 * <ul>
 *   <li>{@code POST /subjects/{s}/versions} &rarr; {@code {"id": N}} (idempotent; no compatibility checks)</li>
 *   <li>{@code POST /subjects/{s}} &rarr; {@code {"subject","version","id","schema"}}, or 404 with
 *       error_code 40401 (subject not found) / 40403 (schema not found)</li>
 *   <li>{@code GET /schemas/ids/{id}} &rarr; {@code {"schema": "..."}}, or 404 / 40403</li>
 *   <li>{@code GET /subjects/{s}/versions/latest} &rarr; {@code {"subject","version","id","schema"}}, or 404 / 40401</li>
 * </ul>
 * Schemas are compared by Avro's parsed form (ids are global: the same schema gets the same id in every
 * subject). It does not check compatibility, persist anything or implement any other endpoint. It counts the
 * requests it serves, so tests can check the client's cache.
 */
public final class StandInRegistryServer implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<Schema, Integer> idsBySchema = new HashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();

    public StandInRegistryServer() {
        Router router = Router.router(vertx);
        router.route().handler(ctx -> {
            requests.incrementAndGet();
            ctx.next();
        });
        router.route().handler(BodyHandler.create());
        router.post("/subjects/:subject/versions").handler(this::register);
        router.post("/subjects/:subject").handler(this::lookup);
        router.get("/schemas/ids/:id").handler(this::byId);
        router.get("/subjects/:subject/versions/latest").handler(this::latest);
        try {
            server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                    .toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("Stand-in registry did not start", e);
        }
    }

    /** Base URL, e.g. {@code http://127.0.0.1:34567}. */
    public String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    /** HTTP requests served so far. */
    public int requests() {
        return requests.get();
    }

    private synchronized void register(RoutingContext ctx) {
        Schema schema = parse(ctx);
        if (schema == null) {
            return;
        }
        int id = idsBySchema.computeIfAbsent(schema, s -> {
            int next = schemasById.size() + 1;
            schemasById.put(next, s);
            return next;
        });
        List<Integer> versions = versionsBySubject.computeIfAbsent(ctx.pathParam("subject"), s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        reply(ctx, 200, new JsonObject().put("id", id));
    }

    private synchronized void lookup(RoutingContext ctx) {
        Schema schema = parse(ctx);
        if (schema == null) {
            return;
        }
        String subject = ctx.pathParam("subject");
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null) {
            error(ctx, 404, 40401, "Subject '" + subject + "' not found.");
            return;
        }
        Integer id = idsBySchema.get(schema);
        if (id == null || !versions.contains(id)) {
            error(ctx, 404, 40403, "Schema not found");
            return;
        }
        reply(ctx, 200, version(subject, versions.indexOf(id) + 1, id));
    }

    private synchronized void byId(RoutingContext ctx) {
        Schema schema = schemasById.get(Integer.parseInt(ctx.pathParam("id")));
        if (schema == null) {
            error(ctx, 404, 40403, "Schema " + ctx.pathParam("id") + " not found");
            return;
        }
        reply(ctx, 200, new JsonObject().put("schema", schema.toString()));
    }

    private synchronized void latest(RoutingContext ctx) {
        String subject = ctx.pathParam("subject");
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null) {
            error(ctx, 404, 40401, "Subject '" + subject + "' not found.");
            return;
        }
        reply(ctx, 200, version(subject, versions.size(), versions.get(versions.size() - 1)));
    }

    private JsonObject version(String subject, int version, int id) {
        return new JsonObject().put("subject", subject).put("version", version).put("id", id)
                .put("schema", schemasById.get(id).toString());
    }

    private static Schema parse(RoutingContext ctx) {
        try {
            return new Schema.Parser().parse(ctx.body().asJsonObject().getString("schema"));
        } catch (RuntimeException e) {
            error(ctx, 422, 42201, "Invalid schema: " + e.getMessage());
            return null;
        }
    }

    private static void error(RoutingContext ctx, int status, int code, String message) {
        reply(ctx, status, new JsonObject().put("error_code", code).put("message", message));
    }

    private static void reply(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", RegistryHttp.CONTENT_TYPE).end(body.encode());
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }
}
