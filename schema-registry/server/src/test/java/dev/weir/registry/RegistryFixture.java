package dev.weir.registry;

import dev.weir.log.testing.TestBroker;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A real in-process Weir broker plus registry instances on free ports. */
public final class RegistryFixture {
    private RegistryFixture() {
    }

    public static TestBroker broker(Path dir) {
        return new TestBroker(dir, Map.of("group.initial.rebalance.delay.ms", "0"));
    }

    public static RegistryApp registry(TestBroker broker, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "http://127.0.0.1:0");
        props.put("kafkastore.bootstrap.servers", broker.bootstrap());
        props.putAll(extra);
        return RegistryApp.start(RegistryConfig.from(props));
    }
}
