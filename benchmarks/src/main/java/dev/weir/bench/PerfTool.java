package dev.weir.bench;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Command-line entry point: {@code produce}, {@code consume} or {@code all} against any
 * Kafka-protocol bootstrap (Weir or Apache Kafka), with the same kafka-clients for both, so their
 * figures compare directly.
 *
 * <p>Exit codes: 0 success, 1 the run failed, 2 bad usage, 3 bootstrap unreachable.
 */
@Command(name = "perf", mixinStandardHelpOptions = true,
        description = "Produce/consume throughput and latency, and consumer-group join time, using kafka-clients.",
        subcommands = {PerfTool.Produce.class, PerfTool.Consume.class, PerfTool.All.class, PerfTool.GroupJoin.class,
                PerfTool.Failover.class, PerfTool.AwaitIsrCommand.class})
public final class PerfTool implements Runnable {

    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;
    static final int EXIT_UNREACHABLE = 3;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: produce, consume, all, group-join, failover or await-isr");
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs a command line and returns its exit code; {@link #main} minus the System.exit. */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine commandLine = newCommandLine(out, err);
        return commandLine.execute(args);
    }

    static CommandLine newCommandLine(PrintStream out, PrintStream err) {
        CommandLine commandLine = new CommandLine(new PerfTool(), new StreamsFactory(out, err));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            if (exception instanceof IllegalArgumentException) {
                err.println("error: " + exception.getMessage());
                err.println("see: perf " + cmd.getCommandName() + " --help");
                return EXIT_USAGE;
            }
            if (exception instanceof BootstrapUnreachableException) {
                err.println("error: " + exception.getMessage());
                return EXIT_UNREACHABLE;
            }
            if (exception instanceof BenchmarkFailedException) {
                err.println("error: " + exception.getMessage());
                return EXIT_FAILED;
            }
            throw exception;
        });
        return commandLine;
    }

    /** Shared body of the subcommands: run these phases with these options. */
    abstract static class PhaseCommand implements Callable<Integer> {
        @Mixin
        PerfOptions options;

        PrintStream out;
        PrintStream err;

        abstract List<PerfRun.Phase> phases();

        @Override
        public Integer call() {
            new PerfRun(options, out, err).run(phases());
            return 0;
        }
    }

    @Command(name = "produce", mixinStandardHelpOptions = true,
            description = "Produce --records records and report throughput and send-to-ack latency.")
    static final class Produce extends PhaseCommand {
        @Override
        List<PerfRun.Phase> phases() {
            return List.of(PerfRun.Phase.PRODUCE);
        }
    }

    @Command(name = "consume", mixinStandardHelpOptions = true,
            description = "Consume --records records from the start of the topic and report throughput.")
    static final class Consume extends PhaseCommand {
        @Override
        List<PerfRun.Phase> phases() {
            return List.of(PerfRun.Phase.CONSUME);
        }
    }

    @Command(name = "all", mixinStandardHelpOptions = true,
            description = "Produce, then consume the same records from the same topic.")
    static final class All extends PhaseCommand {
        @Override
        List<PerfRun.Phase> phases() {
            return List.of(PerfRun.Phase.PRODUCE, PerfRun.Phase.CONSUME);
        }
    }

    @Command(name = "group-join", mixinStandardHelpOptions = true,
            description = {"Time from join to assignment: --consumers consumers of a new group subscribe at once to a"
                    + " topic of --partitions partitions; measures until every consumer is assigned and together they"
                    + " cover every partition exactly once. Min/median/max over --rounds rounds, a new group each.",
                    "The broker's group.initial.rebalance.delay.ms (Kafka default 3000) dominates the figure."})
    static final class GroupJoin implements Callable<Integer> {
        @Mixin
        GroupJoinBenchmark.GroupJoinOptions options;

        PrintStream out;
        PrintStream err;

        @Override
        public Integer call() {
            options.validate();
            new GroupJoinBenchmark(options, out, err).run();
            return 0;
        }
    }

    @Command(name = "failover", mixinStandardHelpOptions = true,
            description = {"Failover time: produce at a fixed --rate (acks=all, idempotent) to a new RF 3 topic,"
                    + " kill its leader with --kill-command after --warmup-s, and report the time from the kill to the"
                    + " first acknowledgement by the new leader, the longest gap between acknowledgements, failed sends,"
                    + " and whether every acknowledged record reads back at dense offsets.",
                    "Exit code 1 if a send failed, the read-back found a problem, or no write got through in --max-wait-s."})
    static final class Failover implements Callable<Integer> {
        @Mixin
        FailoverBenchmark.FailoverOptions options;

        PrintStream out;
        PrintStream err;

        @Override
        public Integer call() {
            options.validate();
            return new FailoverBenchmark(options, out, err).run() ? 0 : EXIT_FAILED;
        }
    }

    @Command(name = "await-isr", mixinStandardHelpOptions = true,
            description = "Wait until the cluster has --brokers brokers and every partition has all its replicas in its ISR.")
    static final class AwaitIsrCommand implements Callable<Integer> {
        @Mixin
        AwaitIsr.AwaitIsrOptions options;

        PrintStream out;
        PrintStream err;

        @Override
        public Integer call() {
            new AwaitIsr(options, out, err).run();
            return 0;
        }
    }

    /** Hands the tool's output streams to the subcommands picocli instantiates, so tests can capture them. */
    private record StreamsFactory(PrintStream out, PrintStream err) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            K instance = CommandLine.defaultFactory().create(type);
            if (instance instanceof PhaseCommand command) {
                command.out = out;
                command.err = err;
            }
            if (instance instanceof GroupJoin command) {
                command.out = out;
                command.err = err;
            }
            if (instance instanceof Failover command) {
                command.out = out;
                command.err = err;
            }
            if (instance instanceof AwaitIsrCommand command) {
                command.out = out;
                command.err = err;
            }
            return instance;
        }
    }
}
