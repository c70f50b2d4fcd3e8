package dev.weir.testkit;

import dev.weir.common.launcher.Component;
import dev.weir.common.launcher.Components;
import java.util.HashMap;
import java.util.Map;

/**
 * A Weir schema registry in this JVM, on a free port of 127.0.0.1 kept across {@link #restart()}, storing its
 * schemas on the brokers at {@code bootstrap} (e.g. an {@link EmbeddedBroker}'s).
 *
 * <p>Started through the component SPI ({@code Components.start("registry", config)}), so the test class path must
 * hold schema-registry (and log-server for the broker); configs are the registry's (Confluent's) names, the
 * constructor's overrides winning over the fixture's {@code listeners} and {@code kafkastore.bootstrap.servers}.
 * The component is ready when it can serve writes, so a test may register a schema as soon as this returns.
 *
 * <p>Thread safety: not thread-safe; one test thread drives one instance.
 */
public class EmbeddedRegistry implements AutoCloseable {
    private final String bootstrap;
    private final Map<String, String> overrides;
    private final int port;
    private Component component;
    private boolean running;

    public EmbeddedRegistry(String bootstrap) {
        this(bootstrap, Map.of());
    }

    public EmbeddedRegistry(String bootstrap, Map<String, String> overrides) {
        this.bootstrap = bootstrap;
        this.overrides = Map.copyOf(overrides);
        this.port = FreePorts.one();
        start();
    }

    private void start() {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "http://127.0.0.1:" + port);
        props.put("kafkastore.bootstrap.servers", bootstrap);
        props.putAll(overrides);
        component = Components.start("registry", props);
        running = true;
    }

    /** The registry's base URL, e.g. {@code http://127.0.0.1:40123}. */
    public String url() {
        return component.endpoints().getOrDefault("http", "http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** The running registry as the launcher sees it; a new instance after each {@link #restart()}. */
    public Component component() {
        return component;
    }

    /** Stops cleanly and starts again on the same port. */
    public void restart() {
        close();
        start();
    }

    /** Stops cleanly. Idempotent. */
    @Override
    public void close() {
        if (running) {
            running = false;
            component.close();
        }
    }
}
