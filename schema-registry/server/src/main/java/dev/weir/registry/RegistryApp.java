package dev.weir.registry;

import dev.weir.common.launcher.StartupException;
import dev.weir.registry.cluster.LeaderElector;
import dev.weir.registry.rest.RestServer;
import dev.weir.registry.storage.KafkaStore;
import dev.weir.registry.storage.RegistryState;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One running registry instance: the store, the leader elector and the REST server.
 *
 * <p>{@link #start} returns, and the HTTP port accepts connections, only once the instance can serve every
 * request: the store has read its topic to the end, the election has completed (a single instance is then
 * the leader), and the store has read whatever an earlier leader wrote. So a client that waits for the port
 * (a script, a container health check) never sees the "unknown leader" error of an instance still starting.
 * {@link #close} stops everything (idempotent).
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

    /**
     * Starts the instance and returns once it is ready (see the class comment).
     *
     * @throws StartupException naming why it cannot start (store unreachable, port in use, no leader, ...)
     */
    public static RegistryApp start(RegistryConfig config) {
        RegistryApp app = new RegistryApp(config);
        try {
            app.store.start();
            // The elector announces this instance's URL when it joins, before the HTTP server may listen.
            int port = freePort(config.host(), config.port());
            app.elector.start(config.advertisedUrl(port));
            long electionMs = Math.max(30_000, config.timeoutMs());
            if (!app.elector.awaitLeader(electionMs)) {
                throw new StartupException("no registry leader elected within " + electionMs / 1000 + " s in group "
                        + config.groupId() + " (" + RegistryConfig.GROUP_ID + ")");
            }
            app.store.waitUntilCaughtUp(); // what the previous leader wrote before this instance joined
            SchemaRegistry registry = new SchemaRegistry(config, app.state, app.store);
            app.rest = new RestServer(app.vertx, registry, app.elector, config.timeoutMs(), config.leaderWaitMs(),
                    app.store::waitUntilCaughtUp, app::unhealthy);
            app.port = app.rest.listen(config.host(), port).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            return app;
        } catch (Exception e) {
            app.close();
            Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw c instanceof StartupException se ? se : new StartupException(c.getMessage(), c);
        }
    }

    /**
     * Binds {@code host:port} and lets it go, to learn the port to announce ({@code 0}: a free one, which
     * tests and embedders use) and to fail on a taken port before joining the group. A port 0 pick can in
     * principle be taken by another process before the HTTP server binds it; a fixed port has no such gap.
     */
    private static int freePort(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as the HTTP server binds
            probe.bind(new InetSocketAddress(host, port));
            return probe.getLocalPort();
        } catch (IOException e) {
            if (StartupException.isBindFailure(e)) {
                throw StartupException.portInUse(RegistryConfig.LISTENERS, "http://" + host + ":" + port, host, port,
                        "http://" + host + ":PORT", e);
            }
            throw new StartupException("cannot listen on " + host + ":" + port + " (" + RegistryConfig.LISTENERS
                    + "): " + e.getMessage() + ": check the host in " + RegistryConfig.LISTENERS, e);
        }
    }

    /** Why this instance can no longer serve, or null; {@code GET /health} answers DOWN with it. */
    private String unhealthy() {
        String store = this.store.failure();
        return store != null ? store : elector.failure();
    }

    public int port() { return port; }
    public String url() { return config.advertisedUrl(port); }
    public boolean isLeader() { return elector.isLeader(); }

    /** Stops serving first (so peers forwarding here get refused and wait for the next leader), then leaves the group. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (rest != null) {
            await(rest.close().toCompletionStage().toCompletableFuture());
        }
        elector.close();
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
