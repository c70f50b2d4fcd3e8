package dev.weir.log.server;

import dev.weir.log.config.BrokerConfig;
import dev.weir.log.config.ConfigException;
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

/** {@code weir server [--config FILE] [--override key=value]...}: runs one broker until SIGTERM. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Start a Weir broker that speaks the Apache Kafka protocol.")
public final class Main implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE",
            description = "A properties file with Kafka broker configs (like Kafka's server.properties).")
    Path configFile;

    @Option(names = "--override", paramLabel = "KEY=VALUE",
            description = "A config that wins over the file, e.g. --override log.dirs=/var/lib/weir. Repeatable.")
    List<String> overrides = List.of();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        BrokerConfig config;
        try {
            config = BrokerConfig.from(readConfig());
        } catch (ConfigException e) {
            System.err.println("weir server: " + e.getMessage());
            return 2;
        }
        WeirBroker broker;
        try {
            broker = WeirBroker.start(config);
        } catch (RuntimeException e) {
            System.err.println("weir server: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            System.out.println("Weir broker " + config.nodeId() + " stopped");
            stopped.countDown();
        }, "weir-shutdown"));
        System.out.println("Weir broker " + config.nodeId() + " ready on PLAINTEXT://" + broker.bootstrapServers()
                + " (log.dirs=" + config.logDirs() + ")");
        stopped.await();
        return 0;
    }

    private Map<String, String> readConfig() throws IOException {
        Map<String, String> props = new LinkedHashMap<>();
        if (configFile != null) {
            if (!Files.isReadable(configFile)) {
                throw new ConfigException("config file " + configFile + " does not exist or is not readable");
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
                throw new ConfigException("--override '" + override + "' must have the form key=value");
            }
            props.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
        }
        return props;
    }
}
