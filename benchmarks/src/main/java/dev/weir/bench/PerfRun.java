package dev.weir.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the phases one PerfTool command asked for, in order, and prints a summary per phase.
 *
 * <p>Summaries go to {@code out} (stdout) so scripts can capture them; progress and notes go to
 * {@code log} (stderr).
 */
final class PerfRun {

    /** A benchmark phase; {@code all} is PRODUCE then CONSUME on the same topic. */
    enum Phase { PRODUCE, CONSUME }

    private final PerfOptions options;
    private final PrintStream out;
    private final PrintStream log;

    PerfRun(PerfOptions options, PrintStream out, PrintStream log) {
        this.options = options;
        this.out = out;
        this.log = log;
    }

    List<PhaseResult> run(List<Phase> phases) {
        options.validate();
        new TopicSetup(options, log).prepare(phases.contains(Phase.PRODUCE));
        List<PhaseResult> results = new ArrayList<>();
        for (Phase phase : phases) {
            PhaseResult result = switch (phase) {
                case PRODUCE -> new ProducerBenchmark(options, log).run();
                case CONSUME -> new ConsumerBenchmark(options, log).run();
            };
            out.println(SummaryFormatter.text(result));
            if (options.json) {
                out.println(SummaryFormatter.json(result, options));
            }
            out.flush();
            results.add(result);
        }
        return results;
    }
}
