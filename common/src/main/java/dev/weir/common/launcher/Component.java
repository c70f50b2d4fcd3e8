package dev.weir.common.launcher;

import java.util.Map;

/**
 * A started Weir component (a broker, a schema registry, a Connect worker). A component is started only
 * when it can serve: its factory returns once the client port is open <em>and</em> requests on it succeed,
 * so "port open" and "ready" mean the same to scripts, health checks and tests.
 */
public interface Component extends AutoCloseable {

    /** The one line printed when the component is ready, e.g. {@code Weir broker 1 ready on PLAINTEXT://...}. */
    String readyLine();

    /** The one line printed once it has stopped on SIGTERM, e.g. {@code Weir broker 1 stopped}. */
    String stoppedLine();

    /**
     * Where clients reach it, by kind: {@code "kafka"} → {@code host:port} for a broker, {@code "http"} →
     * {@code http://host:port} for HTTP components.
     */
    Map<String, String> endpoints();

    /** Stops cleanly: finishes in-flight work, releases ports and directories. Idempotent. */
    @Override
    void close();

    /**
     * Stops as abruptly as the process allows, as a crash would look to the rest of a cluster (in-process tests
     * of failure). Components without cluster state just close.
     */
    default void halt() {
        close();
    }
}
