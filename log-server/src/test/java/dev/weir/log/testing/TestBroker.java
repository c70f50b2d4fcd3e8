package dev.weir.log.testing;

import dev.weir.log.server.BrokerComponentFactory.BrokerComponent;
import dev.weir.log.server.WeirBroker;
import dev.weir.testkit.EmbeddedBroker;
import java.nio.file.Path;
import java.util.Map;

/**
 * The testkit's {@link EmbeddedBroker} (an in-process broker on a free port over a test directory, with
 * kafka-clients configured for it) plus the broker's internals, for log-server's own tests.
 */
public final class TestBroker extends EmbeddedBroker {

    public TestBroker(Path dir) {
        super(dir);
    }

    public TestBroker(Path dir, Map<String, String> overrides) {
        super(dir, overrides);
    }

    /** The running broker; a new instance after each {@link #restart()}. */
    public WeirBroker broker() {
        return ((BrokerComponent) component()).broker();
    }
}
