package dev.weir.log.network;

import dev.weir.log.protocol.RequestProcessor;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Kafka protocol listener: one Vert.x TCP server per network thread, all sharing the port, so
 * connections spread over event loops. Event loops only frame bytes and write responses; requests
 * are processed on the request-handler pool.
 */
public final class KafkaListener {
    public record Settings(String host, int port, int networkThreads, int maxRequestBytes, long idleTimeoutMs,
                           int socketSendBufferBytes, int socketReceiveBufferBytes) {}

    private final Vertx vertx;
    private final Settings settings;
    private final RequestProcessor processor;
    private final Executor handlerPool;
    private final AtomicInteger boundPort = new AtomicInteger(-1);
    private final java.util.List<String> deployments = new java.util.concurrent.CopyOnWriteArrayList<>();

    public KafkaListener(Vertx vertx, Settings settings, RequestProcessor processor, Executor handlerPool) {
        this.vertx = vertx;
        this.settings = settings;
        this.processor = processor;
        this.handlerPool = handlerPool;
    }

    /** Binds the port; completes with the bound port (useful with port 0). */
    public Future<Integer> start() {
        // The first server binds (perhaps port 0); the others then share the port it got.
        return deploy(1)
                .compose(v -> settings.networkThreads() > 1 ? deploy(settings.networkThreads() - 1) : Future.succeededFuture())
                .map(v -> boundPort.get());
    }

    private Future<Void> deploy(int instances) {
        return vertx.deployVerticle(ServerVerticle::new, new DeploymentOptions().setInstances(instances))
                .map(id -> {
                    deployments.add(id);
                    return null;
                });
    }

    public Future<Void> stop() {
        return Future.all(deployments.stream().map(vertx::undeploy).toList()).mapEmpty();
    }

    private final class ServerVerticle extends VerticleBase {
        private NetServer server;

        @Override
        public Future<?> start() {
            NetServerOptions options = new NetServerOptions()
                    .setHost(settings.host())
                    // Port 0: Vert.x shares one random port among servers asking for the same negative port;
                    // binding the first one's actual port instead collides with it (address in use).
                    .setPort(settings.port() == 0 ? -1 : settings.port())
                    .setTcpNoDelay(true)
                    .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, settings.idleTimeoutMs()))
                    .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                    .setReuseAddress(true);
            if (settings.socketSendBufferBytes() > 0) {
                options.setSendBufferSize(settings.socketSendBufferBytes());
            }
            if (settings.socketReceiveBufferBytes() > 0) {
                options.setReceiveBufferSize(settings.socketReceiveBufferBytes());
            }
            server = vertx.createNetServer(options).connectHandler(socket ->
                    new KafkaConnection(socket, context, processor, handlerPool, settings.maxRequestBytes()).start());
            return server.listen().onSuccess(s -> boundPort.compareAndSet(-1, s.actualPort()));
        }

        @Override
        public Future<?> stop() {
            return server.close();
        }
    }
}
