package dev.weir.log.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir cluster --brokers N}: a development cluster on one machine. Starts N brokers as child
 * JVMs of {@link Main} on 127.0.0.1 (broker i: {@code node.id=i}, Kafka port {@code base-port + i - 1},
 * Hazelcast port {@code cluster-base-port + i - 1}, data in {@code DIR/broker-i}), echoes their output
 * prefixed {@code [broker-i]}, prints one line with the bootstrap servers once every broker is ready,
 * and on SIGINT/SIGTERM stops them all: SIGTERM each, then SIGKILL whatever is still running after
 * {@code --stop-timeout-ms}. Broker i's process id is in {@code DIR/broker-i.pid} while it runs (for
 * failure tests: {@code kill -9 $(cat DIR/broker-2.pid)}).
 *
 * <p>Each child gets exactly the options a user would type for one broker of the cluster, so the
 * launcher is also the documentation of that command line. If a broker exits on its own, the
 * launcher says which, shows its last lines and stops the others; with {@code --keep-running} it keeps the
 * others running instead (a broker killed on purpose is then restarted by whoever killed it, with
 * {@code weir server} and the options the launcher printed for it).
 *
 * <p>Exit codes: 0 stopped on request, 1 a broker failed (or had to be killed), a port was taken or a
 * directory could not be created, 2 bad usage.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"Start a cluster of Weir brokers on 127.0.0.1, one child JVM each; Ctrl-C stops them all.",
                "Child JVM options come from WEIR_HEAP_OPTS (default: " + ClusterCommand.DEFAULT_HEAP + ") and WEIR_JVM_OPTS."})
public final class ClusterCommand implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    /** Smaller than a lone broker's default: several brokers share the machine. */
    static final String DEFAULT_HEAP = "-Xms256m -Xmx1g";
    static final String HOST = "127.0.0.1";
    /** The broker configs the launcher sets per broker; --override may not replace them. */
    static final Set<String> MANAGED_KEYS = Set.of("node.id", "broker.id", "listeners", "cluster.listen",
            "cluster.members", "log.dirs", "log.dir");
    private static final int LAST_LINES = 25;

    @Option(names = "--brokers", paramLabel = "N", defaultValue = "3",
            description = "How many brokers to start (default: ${DEFAULT-VALUE}).")
    int brokers;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "./weir-cluster",
            description = "Data directory; broker i keeps its logs in DIR/broker-i (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--base-port", paramLabel = "PORT", defaultValue = "9092",
            description = "Kafka port of broker 1; broker i listens on PORT + i - 1 (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--cluster-base-port", paramLabel = "PORT", defaultValue = "5701",
            description = "Hazelcast port of broker 1; broker i uses PORT + i - 1 (default: ${DEFAULT-VALUE}).")
    int clusterBasePort;

    @Option(names = "--override", paramLabel = "KEY=VALUE",
            description = "A broker config passed to every broker, e.g. --override num.partitions=3. Repeatable.")
    List<String> overrides = List.of();

    @Option(names = "--stop-timeout-ms", paramLabel = "MS", defaultValue = "30000",
            description = "How long brokers get to stop after SIGTERM before they are killed (default: ${DEFAULT-VALUE}).")
    long stopTimeoutMs;

    @Option(names = "--keep-running",
            description = "When a broker exits on its own (e.g. kill -9 in a failure test), report it and keep the others"
                    + " running instead of stopping the cluster.")
    boolean keepRunning;

    private PrintStream out = System.out;
    private PrintStream err = System.err;

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs a command line and returns its exit code; {@link #main} minus the System.exit. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        ClusterCommand command = new ClusterCommand();
        command.out = out;
        command.err = err;
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((e, a) -> usageError(err, e.getMessage()));
        cl.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            if (e instanceof UsageException) {
                return usageError(err, e.getMessage());
            }
            err.println("weir cluster: unexpected error: " + e);
            return EXIT_FAILED;
        });
        return cl.execute(args);
    }

    private static int usageError(PrintStream err, String message) {
        err.println("weir cluster: " + message);
        err.println("see: bin/weir cluster --help");
        return EXIT_USAGE;
    }

    /** A bad option value found after parsing. Exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** One broker of the cluster: its id, ports and data directory. */
    public record BrokerPlan(int nodeId, int kafkaPort, int clusterPort, Path logDir) {
        public String bootstrap() {
            return HOST + ":" + kafkaPort;
        }

        /** The options of {@code weir server} for this broker, as a user would type them. */
        public List<String> serverArgs(List<String> clusterMembers, List<String> extraOverrides) {
            List<String> args = new ArrayList<>(List.of(
                    "--override", "node.id=" + nodeId,
                    "--override", "cluster.listen=" + HOST + ":" + clusterPort,
                    "--override", "cluster.members=" + String.join(",", clusterMembers),
                    "--override", "listeners=PLAINTEXT://" + HOST + ":" + kafkaPort,
                    "--override", "log.dirs=" + logDir));
            extraOverrides.forEach(o -> args.addAll(List.of("--override", o)));
            return args;
        }
    }

    /** The brokers of a cluster, 1..n. */
    public static List<BrokerPlan> plan(int brokers, Path dir, int basePort, int clusterBasePort) {
        return IntStream.rangeClosed(1, brokers)
                .mapToObj(i -> new BrokerPlan(i, basePort + i - 1, clusterBasePort + i - 1, dir.resolve("broker-" + i)))
                .toList();
    }

    @Override
    public Integer call() throws InterruptedException {
        validate();
        List<BrokerPlan> plan = plan(brokers, dir, basePort, clusterBasePort);
        String bootstrap = plan.stream().map(BrokerPlan::bootstrap).collect(Collectors.joining(","));
        List<String> members = plan.stream().map(b -> HOST + ":" + b.clusterPort()).toList();

        List<String> taken = takenPorts(plan);
        if (!taken.isEmpty()) {
            err.println("weir cluster: " + String.join("; ", taken) + " already in use on " + HOST
                    + ": stop what listens there (find it with: ss -ltnp), or choose other ports with --base-port"
                    + " (Kafka, default 9092) and --cluster-base-port (Hazelcast, default 5701)");
            return EXIT_FAILED;
        }
        for (BrokerPlan b : plan) {
            try {
                Files.createDirectories(b.logDir());
            } catch (IOException e) {
                err.println("weir cluster: cannot create " + b.logDir() + " (" + e + "): choose a writable --dir");
                return EXIT_FAILED;
            }
        }
        return new Run(plan, members, bootstrap).run();
    }

    private void validate() {
        if (brokers < 1) {
            throw new UsageException("--brokers must be at least 1, got " + brokers);
        }
        checkPortRange("--base-port", basePort);
        checkPortRange("--cluster-base-port", clusterBasePort);
        if (basePort < clusterBasePort + brokers && clusterBasePort < basePort + brokers) {
            throw new UsageException("Kafka ports " + basePort + ".." + (basePort + brokers - 1) + " and Hazelcast ports "
                    + clusterBasePort + ".." + (clusterBasePort + brokers - 1) + " overlap: move --base-port or --cluster-base-port");
        }
        if (stopTimeoutMs < 0) {
            throw new UsageException("--stop-timeout-ms must be at least 0, got " + stopTimeoutMs);
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--override '" + o + "' must have the form key=value");
            }
            String key = o.substring(0, eq).trim();
            if (MANAGED_KEYS.contains(key)) {
                throw new UsageException("--override " + key + " is set per broker by weir cluster: use --brokers, --dir, "
                        + "--base-port or --cluster-base-port instead");
            }
        }
    }

    private void checkPortRange(String option, int port) {
        if (port < 1 || port + brokers - 1 > 65535) {
            throw new UsageException(option + " " + port + " leaves no room for " + brokers
                    + " ports: give a port from 1 to " + (65536 - brokers));
        }
    }

    /** "port 9093 (Kafka listener of broker 2)" for every planned port something already listens on. */
    static List<String> takenPorts(List<BrokerPlan> plan) {
        List<String> taken = new ArrayList<>();
        for (BrokerPlan b : plan) {
            if (!free(b.kafkaPort())) {
                taken.add("port " + b.kafkaPort() + " (Kafka listener of broker " + b.nodeId() + ")");
            }
            if (!free(b.clusterPort())) {
                taken.add("port " + b.clusterPort() + " (Hazelcast member of broker " + b.nodeId() + ")");
            }
        }
        return taken;
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // As the broker's listener does: a port held only by closing connections (TIME_WAIT) is free.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** What the launcher's loop reacts to. */
    private sealed interface Event permits Ready, Exited, StopRequested {}

    private record Ready(int nodeId) implements Event {}

    private record Exited(Child child) implements Event {}

    private record StopRequested() implements Event {}

    /** One running cluster: its children, their events and the shutdown hook that stops them. */
    private final class Run {
        private final List<BrokerPlan> plan;
        private final List<String> members;
        private final String bootstrap;
        private final List<Child> children = new ArrayList<>();
        private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final CountDownLatch finished = new CountDownLatch(1);
        private volatile boolean stopping;
        private volatile int exitCode = EXIT_OK;

        Run(List<BrokerPlan> plan, List<String> members, String bootstrap) {
            this.plan = plan;
            this.members = members;
            this.bootstrap = bootstrap;
        }

        int run() throws InterruptedException {
            // SIGINT/SIGTERM run shutdown hooks; ours hands the stop to this thread, waits for it, and
            // exits with its code (a JVM ended by a signal would otherwise exit 130/143).
            Thread hook = new Thread(this::onSignal, "weir-cluster-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                exitCode = loop();
            } finally {
                finished.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // The hook is running and exits with our code.
                }
            }
            return exitCode;
        }

        private void onSignal() {
            stopping = true;
            events.add(new StopRequested());
            try {
                finished.await(Math.min(stopTimeoutMs, Long.MAX_VALUE / 2) + 15_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.flush();
            err.flush();
            Runtime.getRuntime().halt(exitCode);
        }

        private int loop() throws InterruptedException {
            out.println("weir cluster: starting " + brokers(plan.size()) + ", data in " + dir + " (stop with Ctrl-C)");
            if (!overrides.isEmpty()) {
                out.println("weir cluster: overrides for every broker: " + String.join(" ", overrides));
            }
            List<String> jvm = new ArrayList<>(options(System.getenv("WEIR_HEAP_OPTS"), DEFAULT_HEAP));
            jvm.addAll(dev.weir.log.cluster.hazelcast.HazelcastMember.JVM_OPTIONS);
            jvm.addAll(options(System.getenv("WEIR_JVM_OPTS"), ""));
            for (BrokerPlan b : plan) {
                if (stopping) {
                    break;
                }
                out.println("weir cluster: starting broker " + b.nodeId() + " of " + plan.size() + " (Kafka "
                        + b.bootstrap() + ", Hazelcast " + HOST + ":" + b.clusterPort() + ", log.dirs=" + b.logDir() + ")");
                try {
                    Child child = Child.start(b, jvm, b.serverArgs(members, overrides), out, err, events);
                    children.add(child);
                    child.writePidFile(pidFile(b));
                } catch (IOException e) {
                    err.println("weir cluster: cannot start broker " + b.nodeId() + ": " + e.getMessage());
                    return stopAll(EXIT_FAILED);
                }
            }
            int ready = 0;
            while (true) {
                Event event = events.take();
                if (event instanceof StopRequested) {
                    return stopAll(EXIT_OK);
                }
                if (event instanceof Ready && ++ready == plan.size()) {
                    out.println("weir cluster: " + (plan.size() == 1 ? "" : "all ") + brokers(plan.size())
                            + " ready; bootstrap servers: " + bootstrap);
                }
                if (event instanceof Exited exited && !stopping) {
                    Child child = exited.child();
                    // Ctrl-C (or a signal to the process group) reaches the brokers too; ours may lag a moment.
                    if (child.exitCode() == 130 || child.exitCode() == 143) {
                        Event next = events.poll(1, TimeUnit.SECONDS);
                        if (next instanceof StopRequested || stopping) {
                            return stopAll(EXIT_OK);
                        }
                    }
                    child.awaitOutput();
                    child.deletePidFile(pidFile(child.plan()));
                    err.println("weir cluster: broker " + child.plan().nodeId() + " exited with code " + child.exitCode()
                            + "; its last lines:");
                    child.lastLines().forEach(l -> err.println("    " + l));
                    if (keepRunning && children.stream().anyMatch(Child::isAlive)) {
                        err.println("weir cluster: keeping the other brokers running (--keep-running)");
                        continue;
                    }
                    return stopAll(EXIT_FAILED);
                }
            }
        }

        /** SIGTERM to every child, SIGKILL to those still running after the timeout; returns the exit code. */
        private int stopAll(int code) throws InterruptedException {
            stopping = true;
            List<Child> running = children.stream().filter(Child::isAlive).toList();
            if (!running.isEmpty()) {
                out.println("weir cluster: stopping " + brokers(running.size()) + " (SIGTERM; SIGKILL after " + stopTimeoutMs + " ms)");
            }
            running.forEach(Child::terminate);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(stopTimeoutMs);
            List<Child> killed = new ArrayList<>();
            for (Child child : running) {
                if (!child.awaitExit(Math.max(0, deadline - System.nanoTime()))) {
                    err.println("weir cluster: broker " + child.plan().nodeId() + " did not stop within "
                            + stopTimeoutMs + " ms: killing it (SIGKILL)");
                    child.kill();
                    killed.add(child);
                }
            }
            children.forEach(Child::awaitOutput);
            children.forEach(c -> c.deletePidFile(pidFile(c.plan())));
            if (killed.isEmpty()) {
                out.println("weir cluster: all brokers stopped");
                return code;
            }
            err.println("weir cluster: stopped; killed broker(s) " + killed.stream()
                    .map(c -> String.valueOf(c.plan().nodeId())).collect(Collectors.joining(", ")));
            return EXIT_FAILED;
        }
    }

    /** Where broker {@code b}'s process id is kept while it runs: {@code DIR/broker-i.pid}. */
    private Path pidFile(BrokerPlan b) {
        return dir.resolve("broker-" + b.nodeId() + ".pid");
    }

    private static String brokers(int n) {
        return n == 1 ? "1 broker" : n + " brokers";
    }

    private static List<String> options(String value, String otherwise) {
        String v = value == null || value.isBlank() ? otherwise : value;
        return Arrays.stream(v.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    /** One broker JVM: its process, the threads echoing its output, and its last lines for a failure report. */
    private static final class Child {
        private final BrokerPlan plan;
        private final Process process;
        private final Deque<String> lastLines = new ArrayDeque<>();
        private final List<Thread> pumps = new ArrayList<>(2);

        private Child(BrokerPlan plan, Process process) {
            this.plan = plan;
            this.process = process;
        }

        static Child start(BrokerPlan plan, List<String> jvmOptions, List<String> serverArgs, PrintStream out,
                           PrintStream err, BlockingQueue<Event> events) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.add(Main.class.getName());
            command.addAll(serverArgs);
            ProcessBuilder builder = new ProcessBuilder(command);
            // Our own classpath, through the environment so `ps` shows the broker's options, not jar names.
            builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
            Child child = new Child(plan, builder.start());
            String prefix = "[broker-" + plan.nodeId() + "] ";
            String readyLine = "Weir broker " + plan.nodeId() + " ready on ";
            child.pump(child.process.getInputStream(), prefix, out, line -> {
                if (line.startsWith(readyLine)) {
                    events.add(new Ready(plan.nodeId()));
                }
            });
            child.pump(child.process.getErrorStream(), prefix, err, line -> {});
            child.process.onExit().thenRun(() -> events.add(new Exited(child)));
            return child;
        }

        private void pump(InputStream stream, String prefix, PrintStream target, Consumer<String> onLine) {
            Thread t = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    for (String line; (line = reader.readLine()) != null; ) {
                        target.println(prefix + line);
                        remember(line);
                        onLine.accept(line);
                    }
                } catch (IOException e) {
                    // The child is gone; nothing more to echo.
                }
            }, "weir-cluster-" + prefix.trim());
            t.setDaemon(true);
            t.start();
            pumps.add(t);
        }

        private synchronized void remember(String line) {
            if (lastLines.size() == LAST_LINES) {
                lastLines.removeFirst();
            }
            lastLines.addLast(line);
        }

        synchronized List<String> lastLines() {
            return List.copyOf(lastLines);
        }

        BrokerPlan plan() {
            return plan;
        }

        void writePidFile(Path file) throws IOException {
            Files.writeString(file, process.pid() + "\n");
        }

        /** Deletes the pid file if it still names this child (someone may have restarted the broker since). */
        void deletePidFile(Path file) {
            try {
                if (Files.readString(file).trim().equals(Long.toString(process.pid()))) {
                    Files.delete(file);
                }
            } catch (IOException e) {
                // Gone already, or unreadable: nothing to clean up.
            }
        }

        boolean isAlive() {
            return process.isAlive();
        }

        int exitCode() {
            return process.exitValue();
        }

        // Through the ProcessHandle: Process.destroy() also closes our ends of the child's pipes, and the
        // broker's "stopped" line (and any shutdown error) would be lost.
        void terminate() {
            process.toHandle().destroy();
        }

        void kill() {
            process.toHandle().destroyForcibly();
            awaitExit(TimeUnit.SECONDS.toNanos(10));
        }

        boolean awaitExit(long nanos) {
            try {
                return process.waitFor(nanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !process.isAlive();
            }
        }

        /** Waits (briefly) until the output of an exited child has been echoed. */
        void awaitOutput() {
            for (Thread t : pumps) {
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
