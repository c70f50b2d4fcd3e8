package dev.weir.log.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the Admin-client tools ({@code weir groups}, {@code weir transactions}) share: the picocli run with its
 * exit codes and error messages, the connection options, and a subcommand base that owns an {@link Admin} for
 * its lifetime and turns broker timeouts into messages that say what to check.
 *
 * <p>Exit codes: {@link #EXIT_OK} done, {@link #EXIT_FAILED} the operation failed or was refused
 * ({@link ToolException} or anything unexpected), {@link #EXIT_USAGE} bad usage (a picocli parameter error or
 * {@link UsageException}); both failures print {@code weir <subcommand>: <message>} to the error stream.
 */
final class AdminTool {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    private AdminTool() {
    }

    /** A tool's command line run with the standard streams: {@code GroupsCommand::execute} and the like. */
    @FunctionalInterface
    interface Run {
        int execute(String[] args, PrintStream out, PrintStream err);
    }

    /**
     * A tool's {@code main}: kafka-clients' logs quieted unless {@code clientLogsProperty} says otherwise (see
     * {@link ToolLogging}), then the command line run and its exit code returned to the shell.
     */
    static void main(String clientLogsProperty, String[] args, Run run) {
        ToolLogging.quietClientLogs(clientLogsProperty);
        System.exit(run.execute(args, System.out, System.err));
    }

    /** A tool's top-level command: it does nothing itself but name its subcommands (a usage error, exit 2). */
    abstract static class ToolCommand implements Runnable {
        @Spec
        CommandSpec spec;

        private final String subcommands;

        /** {@code subcommands} as the message lists them, e.g. "list, describe or reset-offsets". */
        ToolCommand(String subcommands) {
            this.subcommands = subcommands;
        }

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: " + subcommands);
        }
    }

    /**
     * Runs {@code command}'s command line and returns its exit code. {@code setUp} is applied to each
     * {@link AdminCommand} picocli creates, after its output streams are set (e.g. to hand it a clock).
     */
    static int execute(Object command, String[] args, PrintStream out, PrintStream err,
                       Consumer<? super AdminCommand> setUp) {
        CommandLine cl = new CommandLine(command, new StreamsFactory(out, err, setUp));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine cmd = e.getCommandLine();
            err.println("weir " + cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            err.println("see: bin/weir " + cmd.getCommandSpec().qualifiedName() + " --help");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            String name = "weir " + cmd.getCommandSpec().qualifiedName();
            if (e instanceof UsageException) {
                err.println(name + ": " + e.getMessage());
                err.println("see: bin/weir " + cmd.getCommandSpec().qualifiedName() + " --help");
                return EXIT_USAGE;
            }
            if (e instanceof ToolException) {
                err.println(name + ": " + e.getMessage());
                return EXIT_FAILED;
            }
            err.println(name + ": unexpected error: " + e);
            return EXIT_FAILED;
        });
        return cl.execute(args);
    }

    /** A failure the user can act on: the message names the problem and the fix. Exit code 1. */
    static final class ToolException extends RuntimeException {
        ToolException(String message) {
            super(message);
        }
    }

    /** A bad option value found after parsing. Exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** Options every subcommand takes: where the broker is and how long to wait for it. */
    static final class Connection {
        @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092",
                description = "The broker(s) to connect to (default: ${DEFAULT-VALUE}).")
        String bootstrap;

        @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "15000",
                description = "How long to wait for each answer from the broker (default: ${DEFAULT-VALUE}).")
        int timeoutMs;

        @Option(names = "--command-config", paramLabel = "FILE",
                description = "A properties file with Admin client configs (e.g. security settings).")
        Path commandConfig;

        /** An Admin client; {@code clientId} names the tool in broker logs unless the command config sets one. */
        Admin admin(String clientId) {
            Properties p = new Properties();
            if (commandConfig != null) {
                try (Reader r = Files.newBufferedReader(commandConfig)) {
                    p.load(r);
                } catch (IOException e) {
                    throw new UsageException("cannot read --command-config " + commandConfig + ": " + e.getMessage());
                }
            }
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
            try {
                return Admin.create(p);
            } catch (KafkaException e) {
                throw new ToolException("cannot create a client for --bootstrap-server " + bootstrap + ": "
                        + rootMessage(e) + " (give HOST:PORT of a reachable broker)");
            }
        }
    }

    /**
     * A subcommand's body: an Admin (client id {@code clientId}) for the subcommand's lifetime, errors turned
     * into messages. {@link #out} and {@link #err} are set by {@link #execute} before it runs.
     */
    abstract static class AdminCommand implements Callable<Integer> {
        @Mixin
        Connection connection;

        PrintStream out;
        PrintStream err;

        private final String clientId;

        AdminCommand(String clientId) {
            this.clientId = clientId;
        }

        abstract int run(Admin admin);

        @Override
        public Integer call() {
            if (connection.timeoutMs <= 0) {
                throw new UsageException("--timeout-ms must be positive, got " + connection.timeoutMs);
            }
            try (Admin admin = connection.admin(clientId)) {
                return run(admin);
            }
        }

        /** Waits for an Admin result; a timeout becomes a message that says what to check, other failures pass. */
        <T> T await(KafkaFuture<T> future, String what) {
            try {
                return future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ToolException("interrupted while " + what);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (isTimeout(cause)) {
                    throw new ToolException("no answer from " + connection.bootstrap + " within "
                            + connection.timeoutMs + " ms while " + what + ": is the broker running and reachable?"
                            + " (check --bootstrap-server; raise --timeout-ms for a slow broker)");
                }
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw new ToolException("failed while " + what + ": " + cause);
            }
        }

        /**
         * The descriptions of {@code topics} by name, in name order. A topic the broker does not know goes to
         * {@code missing}, which throws the message the tool wants or returns to leave the topic out.
         */
        Map<String, TopicDescription> describeTopics(Admin admin, Collection<String> topics, Consumer<String> missing) {
            Map<String, TopicDescription> described = new TreeMap<>();
            var futures = admin.describeTopics(topics).topicNameValues();
            for (String topic : topics) {
                try {
                    described.put(topic, await(futures.get(topic), "describing topic '" + topic + "'"));
                } catch (UnknownTopicOrPartitionException e) {
                    missing.accept(topic);
                } catch (ToolException e) {
                    throw e;
                } catch (KafkaException e) {
                    throw new ToolException("cannot describe topic '" + topic + "': " + rootMessage(e));
                }
            }
            return described;
        }
    }

    static final Comparator<TopicPartition> PARTITION_ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    /** Left-aligned columns two spaces apart, like kafka-consumer-groups.sh. */
    static void printTable(PrintStream out, List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = header.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                String cell = row.get(i);
                line.append(cell);
                if (i < widths.length - 1) {
                    line.append(" ".repeat(widths[i] - cell.length() + 2));
                }
            }
            out.println(line);
        }
    }

    /** Admin sometimes wraps its timeout (e.g. ListGroups' "failed to find brokers"). */
    static boolean isTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return m == null ? c.getClass().getSimpleName() : m;
    }

    /** Hands the output streams to the subcommands picocli instantiates, so tests can capture them. */
    private record StreamsFactory(PrintStream out, PrintStream err, Consumer<? super AdminCommand> setUp)
            implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            K instance = CommandLine.defaultFactory().create(type);
            if (instance instanceof AdminCommand command) {
                command.out = out;
                command.err = err;
                setUp.accept(command);
            }
            return instance;
        }
    }
}
