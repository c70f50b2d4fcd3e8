package dev.weir.log.server;

import dev.weir.common.launcher.Component;
import dev.weir.common.launcher.ComponentFactory;
import dev.weir.log.config.BrokerConfig;
import java.util.Map;

/** {@code weir server}: one broker, under Kafka's broker config names. Found by the launcher with ServiceLoader. */
public final class BrokerComponentFactory implements ComponentFactory {

    @Override
    public String name() {
        return "server";
    }

    @Override
    public String description() {
        return "Start a Weir broker that speaks the Apache Kafka protocol.";
    }

    @Override
    public Component start(Map<String, String> config) {
        BrokerConfig brokerConfig = BrokerConfig.from(config);
        return new BrokerComponent(WeirBroker.start(brokerConfig));
    }

    /** A started broker as the launcher and the testkit see it. */
    public record BrokerComponent(WeirBroker broker) implements Component {
        @Override
        public String readyLine() {
            return "Weir broker " + broker.config().nodeId() + " ready on PLAINTEXT://" + broker.bootstrapServers()
                    + " (log.dirs=" + broker.config().logDirs() + ")";
        }

        @Override
        public String stoppedLine() {
            return "Weir broker " + broker.config().nodeId() + " stopped";
        }

        @Override
        public Map<String, String> endpoints() {
            return Map.of("kafka", broker.bootstrapServers());
        }

        @Override
        public void close() {
            broker.close();
        }

        @Override
        public void halt() {
            broker.halt();
        }
    }
}
