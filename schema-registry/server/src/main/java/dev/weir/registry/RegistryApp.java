package dev.weir.registry;

import dev.weir.registry.cluster.LeaderElector;
import dev.weir.registry.rest.RestServer;
import dev.weir.registry.storage.KafkaStore;
import dev.weir.registry.storage.RegistryState;
import io.vertx.core.Vertx;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One running registry instance: the store (read to the end before serving), the REST server, and the
 * leader elector (started once the port is bound, since the URL it announces needs it).
 * {@link #start} blocks until it serves; {@link #close} stops everything (idempotent).
 */
public final class RegistryApp implements AutoCloseable {
    private final RegistryConfig config;
    private final Vertx vertx;
    private final RegistryState state;
    private final KafkaStore store;
    private final LeaderElector elector;
    private RestServer rest;
    private int port;
    private volatile boolean closed;

    private RegistryApp(RegistryConfig config) {
        this.config = config;
        this.vertx = Vertx.vertx();
        RegistryState[] self = new RegistryState[1];
        self[0] = new RegistryState(s -> SchemaRegistry.identityOf(self[0], s));
        this.state = self[0];
        this.store = new KafkaStore(config, state);
        this.elector = new LeaderElector(config);
    }

    /** @throws IllegalStateException naming why it cannot start (store unreachable, port in use, ...) */
    public static RegistryApp start(RegistryConfig config) {
        RegistryApp app = new RegistryApp(config);
        try {
            app.store.start();
            SchemaRegistry registry = new SchemaRegistry(config, app.state, app.store);
            app.rest = new RestServer(app.vertx, registry, app.elector, config.timeoutMs(), app.store::waitUntilCaughtUp);
            app.port = app.rest.listen(config.host(), config.port()).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            app.elector.start(config.advertisedUrl(app.port));
            if (!app.elector.awaitLeader(Math.max(30_000, config.timeoutMs()))) {
                throw new IllegalStateException("no registry leader elected within 30 s in group "
                        + config.groupId() + " (" + RegistryConfig.GROUP_ID + ")");
            }
            return app;
        } catch (Exception e) {
            app.close();
            Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException(c.getMessage(), c);
        }
    }

    public int port() { return port; }
    public String url() { return config.advertisedUrl(port); }
    public boolean isLeader() { return elector.isLeader(); }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        elector.close();
        if (rest != null) {
            await(rest.close().toCompletionStage().toCompletableFuture());
        }
        store.close();
        await(vertx.close().toCompletionStage().toCompletableFuture());
    }

    private static void await(java.util.concurrent.CompletableFuture<?> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
    }
}
