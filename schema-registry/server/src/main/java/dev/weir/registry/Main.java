package dev.weir.registry;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weir registry [--config FILE] [--override key=value]...}: runs one registry instance until SIGTERM. */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = "Start a Weir schema registry (Confluent Schema Registry REST API, Avro) stored on Weir.")
public final class Main implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE",
            description = "A properties file with Confluent Schema Registry configs (like schema-registry.properties).")
    Path configFile;

    @Option(names = "--override", paramLabel = "KEY=VALUE",
            description = "A config that wins over the file, e.g. --override listeners=http://127.0.0.1:8081. Repeatable.")
    List<String> overrides = List.of();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        RegistryConfig config;
        try {
            config = RegistryConfig.from(readConfig());
        } catch (IllegalArgumentException e) {
            System.err.println("weir registry: " + e.getMessage());
            return 2;
        }
        RegistryApp app;
        try {
            app = RegistryApp.start(config);
        } catch (IllegalStateException e) {
            System.err.println("weir registry: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            System.out.println("Weir schema registry stopped");
            stopped.countDown();
        }, "weir-registry-shutdown"));
        System.out.println("Weir schema registry ready on " + app.url() + " (kafkastore.topic=" + config.topic()
                + ", kafkastore.bootstrap.servers=" + config.bootstrap() + ")");
        stopped.await();
        return 0;
    }

    private Map<String, String> readConfig() throws IOException {
        Map<String, String> props = new LinkedHashMap<>();
        if (configFile != null) {
            if (!Files.isReadable(configFile)) {
                throw new IllegalArgumentException("config file " + configFile + " does not exist or is not readable");
            }
            Properties file = new Properties();
            try (Reader reader = Files.newBufferedReader(configFile)) {
                file.load(reader);
            }
            file.stringPropertyNames().forEach(k -> props.put(k, file.getProperty(k)));
        }
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--override '" + override + "' must have the form key=value");
            }
            props.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
        }
        return props;
    }
}
