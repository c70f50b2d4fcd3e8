package dev.weir.testkit;

import dev.weir.common.launcher.Component;
import dev.weir.common.launcher.Components;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One Weir broker in this JVM over a directory, listening on 127.0.0.1 on a port chosen at the first start and
 * kept across {@link #restart()}, plus kafka-clients configured for it ({@link KafkaEndpoint}).
 *
 * <p>The broker is started through the component SPI ({@code Components.start("server", config)}), so the test
 * class path must hold log-server (test scope is enough); the testkit itself does not depend on it. Configs are
 * Kafka's broker config names; the constructor's overrides win over the fixture's defaults (a free port,
 * {@code log.dirs}, one network thread, four I/O threads).
 *
 * <p>Open for fixtures that add accessors to the component (log-server's own tests cast {@link #component()} to
 * its broker component). Thread safety: not thread-safe; one test thread drives one instance.
 */
public class EmbeddedBroker implements KafkaEndpoint, AutoCloseable {
    private final Path dir;
    private final Map<String, String> overrides;
    private Component component;
    private boolean running;
    private int port;

    /** Starts a broker over {@code dir} with the fixture's defaults. */
    public EmbeddedBroker(Path dir) {
        this(dir, Map.of());
    }

    /** Starts a broker over {@code dir}; {@code overrides} (broker configs) win over the fixture's defaults. */
    public EmbeddedBroker(Path dir, Map<String, String> overrides) {
        this.dir = dir;
        this.overrides = Map.copyOf(overrides);
        start(0);
    }

    private void start(int listenPort) {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + listenPort);
        props.put("log.dirs", dir.toString());
        props.put("num.network.threads", "1");
        props.put("num.io.threads", "4");
        props.putAll(overrides);
        component = Components.start("server", props);
        running = true;
        String endpoint = component.endpoints().get("kafka");
        port = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    }

    /** Stops cleanly (unless halted) and starts again on the same port and directory. */
    public void restart() {
        if (running) {
            close();
        }
        start(port);
    }

    /** The running broker as the launcher sees it; a new instance after each {@link #restart()}. */
    public Component component() {
        return component;
    }

    @Override
    public String bootstrap() {
        return component.endpoints().get("kafka");
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    /** Stops as a crash would look from outside (no clean goodbye); {@link #restart()} starts it again. */
    public void halt() {
        running = false;
        component.halt();
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
