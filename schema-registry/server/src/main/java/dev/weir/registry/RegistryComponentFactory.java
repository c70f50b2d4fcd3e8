package dev.weir.registry;

import dev.weir.common.launcher.Component;
import dev.weir.common.launcher.ComponentFactory;
import java.util.Map;

/** {@code weir registry}: one schema-registry instance, under Confluent's config names. Found with ServiceLoader. */
public final class RegistryComponentFactory implements ComponentFactory {

    @Override
    public String name() {
        return "registry";
    }

    @Override
    public String description() {
        return "Start a Weir schema registry (Confluent Schema Registry REST API, Avro) stored on Weir.";
    }

    @Override
    public Component start(Map<String, String> config) {
        RegistryConfig registryConfig = RegistryConfig.from(config);
        return new RegistryComponent(RegistryApp.start(registryConfig), registryConfig);
    }

    /** A started registry as the launcher and the testkit see it. */
    public record RegistryComponent(RegistryApp app, RegistryConfig config) implements Component {
        @Override
        public String readyLine() {
            return "Weir schema registry ready on " + app.url() + " (kafkastore.topic=" + config.topic()
                    + ", kafkastore.bootstrap.servers=" + config.bootstrap() + ")";
        }

        @Override
        public String stoppedLine() {
            return "Weir schema registry stopped";
        }

        @Override
        public Map<String, String> endpoints() {
            return Map.of("http", app.url());
        }

        @Override
        public void close() {
            app.close();
        }
    }
}
