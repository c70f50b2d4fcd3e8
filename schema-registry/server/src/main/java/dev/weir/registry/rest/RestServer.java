package dev.weir.registry.rest;

import dev.weir.registry.RegisterRequest;
import dev.weir.registry.RegistryConfig;
import dev.weir.registry.RegistryException;
import dev.weir.registry.SchemaRegistry;
import dev.weir.registry.cluster.LeaderElector;
import dev.weir.registry.storage.SchemaReference;
import dev.weir.registry.storage.StoredSchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Confluent Schema Registry REST API on a Vert.x HTTP server.
 *
 * <p>The event loop only routes: every handler runs on the bounded worker pool {@code registry-worker}
 * (reads touch locks, writes wait for the store). Writes on a follower are forwarded to the leader
 * ({@link LeaderForwarder}), which answers once this instance has read the write too; while there is no
 * leader, writes wait for one (bounded by {@code leader.wait.timeout.ms}). Answers are
 * {@code application/vnd.schemaregistry.v1+json}; errors are {@code {"error_code":N,"message":"..."}}.
 * {@code GET /health} answers {@code {"status":"UP"}} (200), or DOWN (503) once the instance cannot serve.
 */
public final class RestServer {
    private static final Logger log = LoggerFactory.getLogger(RestServer.class);
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** Larger than any schema we accept, so an oversized schema gets a 42201 that names the limit. */
    private static final long BODY_LIMIT = 32L * 1024 * 1024;

    private final Vertx vertx;
    private final SchemaRegistry registry;
    private final LeaderElector elector;
    private final LeaderForwarder forwarder;
    private final WorkerExecutor worker;
    private final Runnable catchUp;
    private final long leaderWaitMs;
    private final Supplier<String> unhealthy;
    private HttpServer server;

    /**
     * @param leaderWaitMs how long a write waits for a leader while none is known (or the known one is gone)
     * @param catchUp blocks until the local state has read the whole store (run after a forwarded write)
     * @param unhealthy why this instance cannot serve any more (a background thread died), or null when it can
     */
    public RestServer(Vertx vertx, SchemaRegistry registry, LeaderElector elector, long timeoutMs, long leaderWaitMs,
                      Runnable catchUp, Supplier<String> unhealthy) {
        this.vertx = vertx;
        this.catchUp = catchUp;
        this.registry = registry;
        this.elector = elector;
        this.leaderWaitMs = leaderWaitMs;
        this.unhealthy = unhealthy;
        this.forwarder = new LeaderForwarder(timeoutMs);
        // A write may wait for a leader, then for the store.
        this.worker = vertx.createSharedWorkerExecutor("registry-worker", 8, leaderWaitMs + timeoutMs + 30_000,
                TimeUnit.MILLISECONDS);
    }

    /** Binds and returns the bound port. */
    public Future<Integer> listen(String host, int port) {
        return vertx.createHttpServer().requestHandler(router()).listen(port, host).map(s -> {
            server = s;
            return s.actualPort();
        });
    }

    public Future<Void> close() {
        Future<Void> f = server == null ? Future.succeededFuture() : server.close();
        return f.eventually(() -> worker.close());
    }

    private Router router() {
        Router r = Router.router(vertx);
        r.route().handler(BodyHandler.create().setBodyLimit(BODY_LIMIT));

        read(r, HttpMethod.GET, "/", ctx -> Reply.ok("{}"));
        // Readiness for scripts and container health checks. The port opens only once the instance is ready
        // (RegistryApp.start), so this is UP from the first answer until a background thread dies.
        r.get("/health").handler(ctx -> {
            String why = unhealthy.get();
            JsonObject o = new JsonObject().put("status", why == null ? "UP" : "DOWN");
            if (why != null) {
                o.put("reason", why);
            }
            ctx.response().setStatusCode(why == null ? 200 : 503).putHeader("Content-Type", "application/json").end(o.encode());
        });
        read(r, HttpMethod.GET, "/schemas/types", ctx -> Reply.ok(new JsonArray().add("AVRO").encode()));
        read(r, HttpMethod.GET, "/subjects", ctx -> Reply.ok(new JsonArray(List.copyOf(
                registry.subjects(flag(ctx, "deleted")))).encode()));
        read(r, HttpMethod.POST, "/subjects/:subject", ctx -> {
            StoredSchema s = registry.lookup(subject(ctx), RegisterRequest.parse(ctx.body().asString()), flag(ctx, "deleted"));
            return Reply.ok(schemaJson(s).encode());
        });
        write(r, HttpMethod.DELETE, "/subjects/:subject", ctx -> Reply.ok(new JsonArray(List.copyOf(
                registry.deleteSubject(subject(ctx), flag(ctx, "permanent")))).encode()));
        read(r, HttpMethod.GET, "/subjects/:subject/versions", ctx -> Reply.ok(new JsonArray(List.copyOf(
                registry.versions(subject(ctx), flag(ctx, "deleted")))).encode()));
        write(r, HttpMethod.POST, "/subjects/:subject/versions", ctx -> {
            int id = registry.register(subject(ctx), RegisterRequest.parse(ctx.body().asString()), flag(ctx, "normalize"));
            return Reply.ok(new JsonObject().put("id", id).encode());
        });
        read(r, HttpMethod.GET, "/subjects/:subject/versions/:version", ctx ->
                Reply.ok(schemaJson(registry.version(subject(ctx), ctx.pathParam("version"), flag(ctx, "deleted"))).encode()));
        write(r, HttpMethod.DELETE, "/subjects/:subject/versions/:version", ctx -> Reply.ok(String.valueOf(
                registry.deleteVersion(subject(ctx), ctx.pathParam("version"), flag(ctx, "permanent")))));
        read(r, HttpMethod.GET, "/subjects/:subject/versions/:version/schema", ctx ->
                Reply.ok(registry.version(subject(ctx), ctx.pathParam("version"), flag(ctx, "deleted")).schema()));
        read(r, HttpMethod.GET, "/subjects/:subject/versions/:version/referencedby", ctx -> Reply.ok(new JsonArray(List.copyOf(
                registry.referencedBy(subject(ctx), ctx.pathParam("version")))).encode()));

        read(r, HttpMethod.GET, "/schemas/ids/:id", ctx -> {
            StoredSchema s = registry.schemaById(id(ctx));
            JsonObject o = new JsonObject().put("schema", s.schema());
            if (!s.references().isEmpty()) {
                o.put("references", refs(s.references()));
            }
            return Reply.ok(o.encode());
        });
        read(r, HttpMethod.GET, "/schemas/ids/:id/schema", ctx -> Reply.ok(registry.schemaById(id(ctx)).schema()));
        read(r, HttpMethod.GET, "/schemas/ids/:id/subjects", ctx -> Reply.ok(new JsonArray(registry.usesOfId(id(ctx), flag(ctx, "deleted"))
                .stream().map(StoredSchema::subject).distinct().map(Object.class::cast).toList()).encode()));
        read(r, HttpMethod.GET, "/schemas/ids/:id/versions", ctx -> {
            JsonArray a = new JsonArray();
            for (StoredSchema s : registry.usesOfId(id(ctx), flag(ctx, "deleted"))) {
                a.add(new JsonObject().put("subject", s.subject()).put("version", s.version()));
            }
            return Reply.ok(a.encode());
        });

        read(r, HttpMethod.POST, "/compatibility/subjects/:subject/versions/:version", ctx ->
                compatibility(ctx, ctx.pathParam("version")));
        read(r, HttpMethod.POST, "/compatibility/subjects/:subject/versions", ctx -> compatibility(ctx, null));

        read(r, HttpMethod.GET, "/config", ctx -> Reply.ok(new JsonObject()
                .put("compatibilityLevel", registry.compatibility(null).name()).encode()));
        write(r, HttpMethod.PUT, "/config", ctx -> Reply.ok(new JsonObject().put("compatibility",
                registry.setCompatibility(null, body(ctx).getString("compatibility")).name()).encode()));
        write(r, HttpMethod.DELETE, "/config", ctx -> Reply.ok(new JsonObject().put("compatibilityLevel",
                registry.deleteCompatibility(null).name()).encode()));
        read(r, HttpMethod.GET, "/config/:subject", ctx -> Reply.ok(new JsonObject().put("compatibilityLevel",
                registry.subjectCompatibility(subject(ctx), flag(ctx, "defaultToGlobal")).name()).encode()));
        write(r, HttpMethod.PUT, "/config/:subject", ctx -> Reply.ok(new JsonObject().put("compatibility",
                registry.setCompatibility(subject(ctx), body(ctx).getString("compatibility")).name()).encode()));
        write(r, HttpMethod.DELETE, "/config/:subject", ctx -> Reply.ok(new JsonObject().put("compatibilityLevel",
                registry.deleteCompatibility(subject(ctx)).name()).encode()));

        read(r, HttpMethod.GET, "/mode", ctx -> Reply.ok(new JsonObject().put("mode", registry.mode(null).name()).encode()));
        write(r, HttpMethod.PUT, "/mode", ctx -> Reply.ok(new JsonObject().put("mode",
                registry.setMode(null, body(ctx).getString("mode"), flag(ctx, "force")).name()).encode()));
        read(r, HttpMethod.GET, "/mode/:subject", ctx -> Reply.ok(new JsonObject().put("mode",
                registry.subjectMode(subject(ctx), flag(ctx, "defaultToGlobal")).name()).encode()));
        write(r, HttpMethod.PUT, "/mode/:subject", ctx -> Reply.ok(new JsonObject().put("mode",
                registry.setMode(subject(ctx), body(ctx).getString("mode"), flag(ctx, "force")).name()).encode()));
        write(r, HttpMethod.DELETE, "/mode/:subject", ctx -> Reply.ok(new JsonObject().put("mode",
                registry.deleteMode(subject(ctx)).name()).encode()));

        r.errorHandler(404, ctx -> send(ctx, error(404, 404, "HTTP 404 Not Found: " + ctx.request().path())));
        r.errorHandler(405, ctx -> send(ctx, error(405, 405, "HTTP 405 Method Not Allowed")));
        r.errorHandler(413, ctx -> send(ctx, error(413, 413, "Request body larger than " + BODY_LIMIT + " bytes")));
        return r;
    }

    private Reply compatibility(RoutingContext ctx, String version) {
        List<String> messages = registry.checkCompatibility(subject(ctx), version, RegisterRequest.parse(ctx.body().asString()));
        JsonObject o = new JsonObject().put("is_compatible", messages.isEmpty());
        if (flag(ctx, "verbose")) {
            o.put("messages", new JsonArray(List.copyOf(messages)));
        }
        return Reply.ok(o.encode());
    }

    /** A read: answered locally on a worker. */
    private void read(Router r, HttpMethod method, String path, Function<RoutingContext, Reply> fn) {
        r.route(method, path).handler(ctx -> run(ctx, fn));
    }

    /**
     * A write: answered here if leader, else forwarded (at most once) to the leader. While no leader is known
     * (an election is running) or the known one has gone (refuses connections, or answers that it does not
     * lead any more), the write waits up to {@code leaderWaitMs} for the next leader instead of failing.
     */
    private void write(Router r, HttpMethod method, String path, Function<RoutingContext, Reply> fn) {
        r.route(method, path).handler(ctx -> run(ctx, c -> {
            boolean forwarded = c.request().getHeader(LeaderForwarder.HEADER) != null;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(leaderWaitMs);
            LeaderElector.Leadership gone = null;
            String goneWhy = null;
            while (true) {
                LeaderElector.Leadership leader = awaitLeader(deadline, gone);
                if (leader == null) {
                    throw RegistryException.unknownLeader((goneWhy != null ? goneWhy + ", and no other"
                            : "no") + " registry instance became leader within " + leaderWaitMs + " ms ("
                            + RegistryConfig.LEADER_WAIT_MS + "); retry shortly");
                }
                if (leader.self()) {
                    return fn.apply(c);
                }
                if (forwarded) {
                    // The sender thought we lead; we do not. Its forwarder sees 50004 and waits for the next leader.
                    throw RegistryException.unknownLeader("this instance received a forwarded write but is not the leader");
                }
                try {
                    Reply reply = forwarder.forward(leader.url(), method.name(), c.request().uri(),
                            c.request().getHeader("Content-Type"), c.body().asString());
                    if (reply.status() == 200) {
                        catchUp.run(); // read-your-writes on this instance too
                    }
                    return reply;
                } catch (LeaderForwarder.NotLeaderAnyMore e) {
                    gone = leader;
                    goneWhy = e.getMessage();
                }
            }
        }));
    }

    private LeaderElector.Leadership awaitLeader(long deadlineNanos, LeaderElector.Leadership gone) {
        try {
            return elector.awaitLeadership(deadlineNanos, gone);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryException.unknownLeader("interrupted while waiting for a leader");
        }
    }

    private void run(RoutingContext ctx, Function<RoutingContext, Reply> fn) {
        worker.executeBlocking(() -> {
            try {
                return fn.apply(ctx);
            } catch (RegistryException e) {
                return error(e.status(), e.errorCode(), e.getMessage());
            } catch (RuntimeException e) {
                log.error("{} {} failed", ctx.request().method(), ctx.request().uri(), e);
                return error(500, 500, "Internal Server Error: " + e);
            }
        }, false).onComplete(ar -> send(ctx, ar.succeeded() ? ar.result()
                : error(500, 50002, "Operation timed out or failed: " + ar.cause())));
    }

    private static void send(RoutingContext ctx, Reply reply) {
        ctx.response().setStatusCode(reply.status()).putHeader("Content-Type", CONTENT_TYPE).end(reply.body());
    }

    static Reply error(int status, int code, String message) {
        return new Reply(status, new JsonObject().put("error_code", code).put("message", message).encode());
    }

    private static String subject(RoutingContext ctx) {
        return ctx.pathParam("subject");
    }

    private static boolean flag(RoutingContext ctx, String name) {
        return Boolean.parseBoolean(ctx.queryParams().get(name));
    }

    private static int id(RoutingContext ctx) {
        String text = ctx.pathParam("id");
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw RegistryException.schemaNotFound("Schema " + text + " not found: ids are positive integers");
        }
    }

    private static JsonObject body(RoutingContext ctx) {
        try {
            String b = ctx.body().asString();
            return new JsonObject(b == null ? "" : b);
        } catch (DecodeException | ClassCastException e) {
            throw new RegistryException(400, 400, "Malformed JSON request body: " + e.getMessage());
        }
    }

    static JsonObject schemaJson(StoredSchema s) {
        JsonObject o = new JsonObject().put("subject", s.subject()).put("version", s.version()).put("id", s.id());
        if (!s.references().isEmpty()) {
            o.put("references", refs(s.references()));
        }
        return o.put("schema", s.schema());
    }

    private static JsonArray refs(List<SchemaReference> refs) {
        JsonArray a = new JsonArray();
        for (SchemaReference ref : refs) {
            a.add(new JsonObject().put("name", ref.name()).put("subject", ref.subject()).put("version", ref.version()));
        }
        return a;
    }
}
