package dev.weir.common.launcher;

import dev.weir.common.config.ConfigException;
import dev.weir.common.config.ConfigSources;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The one entry point of every long-running component:
 * {@code Launcher <component> [--config FILE] [--override key=value]... [--stacktrace]}.
 *
 * <p>It reads the config (file, then overrides), starts the component found by name through
 * {@link ComponentFactory}, installs the SIGTERM/Ctrl-C hook, prints the component's ready line once it can
 * serve, and on SIGTERM closes it and prints its stopped line. A start-up failure prints one line
 * naming the cause and the fix, and exits non-zero: 2 for a config error, 1 for anything else. The stack trace
 * appears only with {@code --stacktrace} (or {@code WEIR_STACKTRACE=1}).
 */
public final class Launcher {
    public static final int EXIT_CONFIG = 2;
    public static final int EXIT_START = 1;

    @Command(mixinStandardHelpOptions = true, sortOptions = false)
    static final class Options {
        @Option(names = "--config", paramLabel = "FILE", description = "A Java properties file with the component's configs.")
        Path configFile;

        @Option(names = "--override", paramLabel = "KEY=VALUE",
                description = "A config that wins over the file. Repeatable.")
        List<String> overrides = List.of();

        @Option(names = "--stacktrace", description = "On a start-up failure, print the stack trace too.")
        boolean stacktrace;
    }

    private Launcher() {
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: Launcher <component> [--config FILE] [--override key=value]... (components: "
                    + Components.all().stream().map(ComponentFactory::name).toList() + ")");
            System.exit(EXIT_CONFIG);
        }
        ComponentFactory factory;
        try {
            factory = Components.factory(args[0]);
        } catch (IllegalArgumentException e) {
            System.err.println("weir: " + e.getMessage());
            System.exit(EXIT_CONFIG);
            return;
        }
        System.exit(run(factory, Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
    }

    /** The outcome of {@link #start}: an exit code, and the component when it started (exit code 0). */
    public record Started(int exitCode, Component component) {
    }

    /**
     * Runs {@code factory}'s component with {@code args} until SIGTERM and returns the exit code (see the class
     * comment).
     */
    public static int run(ComponentFactory factory, String[] args, PrintStream out, PrintStream err) {
        Started started = start(factory, args, out, err);
        if (started.component() == null) {
            return started.exitCode();
        }
        Component component = started.component();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                component.close();
                out.println(component.stoppedLine());
            } finally {
                stopped.countDown();
            }
        }, "weir-shutdown"));
        out.println(component.readyLine());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * Parses {@code args}, reads the config and starts the component, reporting failures on {@code err} as
     * {@link #run} does; returns without printing the ready line or waiting (tests and embedders own the
     * component).
     */
    public static Started start(ComponentFactory factory, String[] args, PrintStream out, PrintStream err) {
        String prefix = "weir " + factory.name() + ": ";
        Options options = new Options();
        CommandLine cli = new CommandLine(options).setCommandName("weir " + factory.name());
        cli.getCommandSpec().usageMessage().description(factory.description());
        try {
            cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            err.println(prefix + e.getMessage());
            cli.usage(err);
            return new Started(EXIT_CONFIG, null);
        }
        if (cli.isUsageHelpRequested()) {
            cli.usage(out);
            return new Started(0, null);
        }
        if (cli.isVersionHelpRequested()) {
            out.println("weir " + factory.name() + " " + version());
            return new Started(0, null);
        }
        boolean stacktrace = options.stacktrace || "1".equals(System.getenv("WEIR_STACKTRACE"));
        Component component;
        try {
            Map<String, String> config = ConfigSources.read(options.configFile, options.overrides);
            component = factory.start(config);
        } catch (ConfigException e) {
            err.println(prefix + e.getMessage());
            if (stacktrace) {
                e.printStackTrace(err);
            }
            return new Started(EXIT_CONFIG, null);
        } catch (Exception e) { // some libraries rethrow checked exceptions undeclared (Vert.x: BindException)
            err.println(prefix + "cannot start: " + describe(e)
                    + (stacktrace ? "" : " (add --stacktrace for the details)"));
            if (stacktrace) {
                e.printStackTrace(err);
            }
            return new Started(EXIT_START, null);
        }
        return new Started(0, component);
    }

    /** One line for an unexpected start-up failure: a {@link StartupException}'s own message, else the root cause. */
    static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StartupException || c instanceof ConfigException) {
                return c.getMessage();
            }
        }
        if (StartupException.isBindFailure(t)) {
            return "a listener's address is already in use: stop the process holding the port or choose another port";
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String version() {
        String v = Launcher.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }
}
