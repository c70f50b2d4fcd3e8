package dev.weir.log.tools;

import static dev.weir.log.tools.AdminTool.EXIT_OK;
import static dev.weir.log.tools.AdminTool.PARTITION_ORDER;
import static dev.weir.log.tools.AdminTool.printTable;
import static dev.weir.log.tools.AdminTool.rootMessage;

import dev.weir.log.tools.AdminTool.AdminCommand;
import dev.weir.log.tools.AdminTool.ToolCommand;
import dev.weir.log.tools.AdminTool.ToolException;
import dev.weir.log.tools.AdminTool.UsageException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersOptions;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.DescribeTransactionsResult;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir transactions list|describe|describe-producers|find-hanging|abort}: transaction tooling in the
 * manner of Kafka's {@code kafka-transactions.sh}. A plain kafka-clients {@link Admin}, so it works against any
 * Kafka-compatible broker and uses none of the broker's own classes.
 *
 * <p>A <em>hanging</em> transaction is one a partition still holds open (its producer wrote transactional
 * records, no COMMIT or ABORT marker followed) that no transaction coordinator will ever finish: the
 * coordinator does not know the producer id, or no longer counts that partition in the transaction. It pins the
 * partition's last stable offset, so read_committed consumers stop there. {@code find-hanging} finds them as
 * Kafka's tool does (DescribeProducers for open transactions older than the maximum transaction timeout, then
 * ListTransactions and DescribeTransactions to drop those a coordinator still owns); {@code abort} ends one with
 * Admin {@code abortTransaction}, which sends WriteTxnMarkers (an ABORT marker with the producer id, epoch and
 * coordinator epoch from DescribeProducers) straight to the partition leader.
 *
 * <p>Exit codes: 0 done, 1 the operation failed or was refused (unreachable broker, unknown transactional id,
 * topic or start offset, marker refused), 2 bad usage.
 */
@Command(name = "transactions", mixinStandardHelpOptions = true,
        description = "List and describe transactions and the producers of a partition; find and abort hanging "
                + "transactions (like kafka-transactions.sh).",
        subcommands = {TransactionsCommand.ListTxns.class, TransactionsCommand.Describe.class,
                TransactionsCommand.DescribeProducers.class, TransactionsCommand.FindHanging.class,
                TransactionsCommand.Abort.class})
public final class TransactionsCommand extends ToolCommand {

    /** Kafka's default transaction.max.timeout.ms (15 minutes); find-hanging's default threshold. */
    static final long DEFAULT_MAX_TRANSACTION_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(15);

    /** Partitions per DescribeProducers request in find-hanging, as Kafka's tool batches them. */
    private static final int MAX_BATCH_SIZE = 500;

    TransactionsCommand() {
        super("list, describe, describe-producers, find-hanging or abort");
    }

    public static void main(String[] args) {
        AdminTool.main("weir.transactions.client.logs", args, TransactionsCommand::execute);
    }

    /** Runs a command line and returns its exit code; {@link #main} minus the System.exit. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        return execute(args, out, err, System::currentTimeMillis);
    }

    /** With a clock for the durations and ages shown and for find-hanging's threshold. */
    static int execute(String[] args, PrintStream out, PrintStream err, LongSupplier clock) {
        return AdminTool.execute(new TransactionsCommand(), args, out, err, command -> {
            if (command instanceof TxnAdminCommand txn) {
                txn.clock = clock;
            }
        });
    }

    /** The transaction subcommands' body: an Admin named {@code weir-transactions}, a clock, shared look-ups. */
    abstract static class TxnAdminCommand extends AdminCommand {
        LongSupplier clock = System::currentTimeMillis;

        TxnAdminCommand() {
            super("weir-transactions");
        }

        /** The producers of one partition, as its leader (or {@code brokerId}, if given) reports them. */
        List<ProducerState> producers(Admin admin, TopicPartition tp, Integer brokerId) {
            requirePartition(admin, tp);
            DescribeProducersOptions options = new DescribeProducersOptions();
            if (brokerId != null) {
                options.brokerId(brokerId);
            }
            try {
                return await(admin.describeProducers(List.of(tp), options).partitionResult(tp),
                        "describing the producers of " + tp).activeProducers();
            } catch (UnknownTopicOrPartitionException e) {
                throw new ToolException("partition " + tp + " does not exist; check the topic name and partition"
                        + " (kafka-topics.sh --describe --topic " + tp.topic() + ")");
            } catch (NotLeaderOrFollowerException e) {
                throw new ToolException("broker " + brokerId + " does not answer for " + tp + " (" + e.getMessage()
                        + "); leave out --broker-id to ask the partition's leader");
            } catch (ToolException e) {
                throw e;
            } catch (KafkaException e) {
                throw new ToolException("cannot describe the producers of " + tp + ": " + rootMessage(e));
            }
        }

        /**
         * Fails fast for a missing topic or partition: Admin's describeProducers and abortTransaction look the
         * leader up in metadata and retry UNKNOWN_TOPIC_OR_PARTITION until their timeout.
         */
        void requirePartition(Admin admin, TopicPartition tp) {
            TopicDescription d;
            try {
                d = await(admin.describeTopics(List.of(tp.topic())).topicNameValues().get(tp.topic()),
                        "describing topic '" + tp.topic() + "'");
            } catch (UnknownTopicOrPartitionException e) {
                throw new ToolException("partition " + tp + " does not exist: there is no topic '" + tp.topic()
                        + "'; check the name (kafka-topics.sh --list)");
            } catch (ToolException e) {
                throw e;
            } catch (KafkaException e) {
                throw new ToolException("cannot describe topic '" + tp.topic() + "': " + rootMessage(e));
            }
            if (d.partitions().stream().noneMatch(p -> p.partition() == tp.partition())) {
                throw new ToolException("partition " + tp + " does not exist: topic '" + tp.topic() + "' has "
                        + d.partitions().size() + " partition(s), 0.." + (d.partitions().size() - 1));
            }
        }

        /** {@code TOPIC-P,...} sorted, or "-". */
        static String partitions(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return "-";
            }
            return partitions.stream().sorted(PARTITION_ORDER).map(TopicPartition::toString)
                    .collect(Collectors.joining(","));
        }
    }

    /** Whether a coordinator still has work for this state's transaction (its start time means a duration). */
    static boolean isOpen(TransactionState state) {
        return state == TransactionState.ONGOING || state == TransactionState.PREPARE_COMMIT
                || state == TransactionState.PREPARE_ABORT || state == TransactionState.PREPARE_EPOCH_FENCE;
    }

    static String time(long epochMs) {
        return epochMs < 0 ? "-" : Instant.ofEpochMilli(epochMs).toString();
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the transactional ids the coordinators know: coordinator, state, producer id and"
                    + " epoch, and how long the current transaction has been open.",
                    "Filters are applied by the coordinators (ListTransactions)."})
    static final class ListTxns extends TxnAdminCommand {
        @Option(names = "--state", paramLabel = "STATE", split = ",",
                description = "Only these states (comma-separated, case-insensitive): Ongoing, PrepareCommit, "
                        + "PrepareAbort, CompleteCommit, CompleteAbort, Empty, PrepareEpochFence.")
        List<String> states = List.of();

        @Option(names = "--producer-id", paramLabel = "ID", split = ",",
                description = "Only these producer ids (comma-separated).")
        List<Long> producerIds = List.of();

        @Option(names = "--min-duration-ms", paramLabel = "MS",
                description = "Only transactions open at least this long (needs ListTransactions v1, Kafka 3.8+).")
        Long minDurationMs;

        @Option(names = "--transactional-id-pattern", paramLabel = "REGEX",
                description = "Only transactional ids matching this regular expression (ListTransactions v2).")
        String pattern;

        @Override
        int run(Admin admin) {
            ListTransactionsOptions options = new ListTransactionsOptions();
            Set<TransactionState> wanted = states.stream().map(ListTxns::parseState)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            if (!wanted.isEmpty()) {
                options.filterStates(wanted);
            }
            if (!producerIds.isEmpty()) {
                options.filterProducerIds(producerIds);
            }
            if (minDurationMs != null) {
                if (minDurationMs < 0) {
                    throw new UsageException("--min-duration-ms must be >= 0, got " + minDurationMs);
                }
                options.filterOnDuration(minDurationMs);
            }
            if (pattern != null) {
                try {
                    Pattern.compile(pattern);
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new UsageException("--transactional-id-pattern is not a regular expression: "
                            + e.getDescription());
                }
                options.filterOnTransactionalIdPattern(pattern);
            }
            Map<Integer, Collection<TransactionListing>> byCoordinator;
            try {
                byCoordinator = await(admin.listTransactions(options).allByBrokerId(), "listing transactions");
            } catch (KafkaException e) {
                throw new ToolException("cannot list transactions: " + rootMessage(e));
            }
            Map<String, Integer> coordinators = new TreeMap<>();
            Map<String, TransactionListing> listings = new HashMap<>();
            byCoordinator.forEach((broker, list) -> list.forEach(l -> {
                coordinators.put(l.transactionalId(), broker);
                listings.put(l.transactionalId(), l);
            }));
            if (coordinators.isEmpty()) {
                boolean filtered = !wanted.isEmpty() || !producerIds.isEmpty() || minDurationMs != null
                        || pattern != null;
                err.println(filtered ? "no transactions match the filters" : "no transactional ids");
                return EXIT_OK;
            }
            Map<String, TransactionDescription> descriptions = describeQuietly(admin, coordinators.keySet());
            long now = clock.getAsLong();
            List<List<String>> rows = new ArrayList<>();
            coordinators.forEach((id, broker) -> {
                TransactionListing l = listings.get(id);
                TransactionDescription d = descriptions.get(id);
                String epoch = d == null ? "-" : Integer.toString(d.producerEpoch());
                String duration = "-";
                if (d != null && isOpen(d.state()) && d.transactionStartTimeMs().isPresent()) {
                    duration = Long.toString(Math.max(0, now - d.transactionStartTimeMs().getAsLong()));
                }
                rows.add(List.of(id, Integer.toString(broker), l.state().toString(), Long.toString(l.producerId()),
                        epoch, duration));
            });
            printTable(out, List.of("TRANSACTIONAL-ID", "COORDINATOR", "STATE", "PRODUCER-ID", "PRODUCER-EPOCH",
                    "DURATION-MS"), rows);
            return EXIT_OK;
        }

        /** Descriptions for the epoch and duration columns; an id that vanished meanwhile shows "-". */
        private Map<String, TransactionDescription> describeQuietly(Admin admin, Set<String> ids) {
            DescribeTransactionsResult result = admin.describeTransactions(ids);
            Map<String, TransactionDescription> out = new HashMap<>();
            for (String id : ids) {
                try {
                    out.put(id, await(result.description(id), "describing transaction '" + id + "'"));
                } catch (ToolException e) {
                    throw e;
                } catch (KafkaException e) {
                    err.println("note: cannot describe '" + id + "': " + rootMessage(e));
                }
            }
            return out;
        }

        static TransactionState parseState(String name) {
            String wanted = name.trim().replace("_", "");
            for (TransactionState s : TransactionState.values()) {
                if (s != TransactionState.UNKNOWN && s.toString().equalsIgnoreCase(wanted)) {
                    return s;
                }
            }
            throw new UsageException("unknown transaction state '" + name + "'; use one of Ongoing, PrepareCommit, "
                    + "PrepareAbort, CompleteCommit, CompleteAbort, Empty, PrepareEpochFence");
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show a transactional id's coordinator, producer id and epoch, state, timeout, and the "
                    + "current transaction's start time, duration and partitions.")
    static final class Describe extends TxnAdminCommand {
        @Option(names = "--transactional-id", paramLabel = "ID", required = true,
                description = "The transactional id (transactional.id of the producer).")
        String transactionalId;

        @Override
        int run(Admin admin) {
            TransactionDescription d;
            try {
                d = await(admin.describeTransactions(List.of(transactionalId)).description(transactionalId),
                        "describing transaction '" + transactionalId + "'");
            } catch (TransactionalIdNotFoundException e) {
                throw new ToolException("transactional id '" + transactionalId + "' is not known to its coordinator:"
                        + " no producer has used it, or its state expired (transactional.id.expiration.ms)."
                        + " List the known ones with: bin/weir transactions list");
            } catch (ToolException e) {
                throw e;
            } catch (KafkaException e) {
                throw new ToolException("cannot describe transaction '" + transactionalId + "': " + rootMessage(e));
            }
            OptionalLong start = d.transactionStartTimeMs();
            String duration = isOpen(d.state()) && start.isPresent()
                    ? Long.toString(Math.max(0, clock.getAsLong() - start.getAsLong())) : "-";
            printTable(out, List.of("COORDINATOR", "TRANSACTIONAL-ID", "PRODUCER-ID", "PRODUCER-EPOCH", "STATE",
                            "TIMEOUT-MS", "START-TIME", "DURATION-MS", "PARTITIONS"),
                    List.of(List.of(Integer.toString(d.coordinatorId()), transactionalId, Long.toString(d.producerId()),
                            Integer.toString(d.producerEpoch()), d.state().toString(),
                            Long.toString(d.transactionTimeoutMs()),
                            start.isPresent() ? time(start.getAsLong()) : "-", duration,
                            partitions(d.topicPartitions()))));
            return EXIT_OK;
        }
    }

    @Command(name = "describe-producers", mixinStandardHelpOptions = true,
            description = {"Show the producers a partition keeps state for: producer id and epoch, last sequence and"
                    + " timestamp, the epoch of the coordinator that wrote its last marker, and where its open"
                    + " transaction starts (TXN-START-OFFSET, '-' if none).",
                    "An open transaction pins the last stable offset: read_committed consumers stop there."})
    static final class DescribeProducers extends TxnAdminCommand {
        @Option(names = "--topic", paramLabel = "TOPIC", required = true, description = "The topic.")
        String topic;

        @Option(names = "--partition", paramLabel = "P", required = true, description = "The partition.")
        int partition;

        @Option(names = "--broker-id", paramLabel = "N",
                description = "Ask this broker instead of the partition's leader.")
        Integer brokerId;

        @Override
        int run(Admin admin) {
            TopicPartition tp = new TopicPartition(topic, partition);
            List<ProducerState> producers = producers(admin, tp, brokerId);
            if (producers.isEmpty()) {
                err.println("no active producers on " + tp);
                return EXIT_OK;
            }
            List<List<String>> rows = producers.stream()
                    .sorted(Comparator.comparingLong(ProducerState::producerId))
                    .map(p -> List.of(Long.toString(p.producerId()), Integer.toString(p.producerEpoch()),
                            Integer.toString(p.lastSequence()), time(p.lastTimestamp()),
                            p.coordinatorEpoch().isPresent() ? Integer.toString(p.coordinatorEpoch().getAsInt()) : "-",
                            p.currentTransactionStartOffset().isPresent()
                                    ? Long.toString(p.currentTransactionStartOffset().getAsLong()) : "-"))
                    .toList();
            printTable(out, List.of("PRODUCER-ID", "PRODUCER-EPOCH", "LAST-SEQUENCE", "LAST-TIMESTAMP",
                    "COORDINATOR-EPOCH", "TXN-START-OFFSET"), rows);
            return EXIT_OK;
        }
    }

    @Command(name = "find-hanging", mixinStandardHelpOptions = true,
            description = {"Find hanging transactions: open on a partition for longer than the maximum transaction"
                    + " timeout (by the producer's last timestamp there) and not owned by any coordinator (its"
                    + " producer id unknown to ListTransactions, or the coordinator's transaction no longer includes"
                    + " the partition).",
                    "Each one found can be ended with the abort command printed after the table."})
    static final class FindHanging extends TxnAdminCommand {
        @ArgGroup(exclusive = false, multiplicity = "0..1")
        Scope scope = new Scope();

        static final class Scope {
            @Option(names = "--broker-id", paramLabel = "N",
                    description = "Search the partitions with a replica on this broker.")
            Integer brokerId;

            @Option(names = "--topic", paramLabel = "TOPIC", description = "Search this topic's partitions.")
            String topic;

            @Option(names = "--partition", paramLabel = "P", description = "Only this partition of --topic.")
            Integer partition;
        }

        @Option(names = "--max-transaction-timeout", paramLabel = "DURATION", defaultValue = "15",
                description = "Open transactions older than this are candidates: the broker's "
                        + "transaction.max.timeout.ms. Minutes as in Kafka's tool (15), or with a unit: 500ms, 30s, "
                        + "15m, 1h (default: ${DEFAULT-VALUE} minutes).")
        String maxTimeout;

        /** One transaction a partition holds open. */
        record OpenTransaction(TopicPartition partition, ProducerState producer) {}

        @Override
        int run(Admin admin) {
            if (scope.partition != null && scope.topic == null) {
                throw new UsageException("--partition needs --topic");
            }
            if (scope.brokerId == null && scope.topic == null) {
                throw new UsageException("name --broker-id or --topic to limit the search, as in Kafka's tool");
            }
            long thresholdMs = parseDuration(maxTimeout);
            List<TopicPartition> partitions = partitionsToSearch(admin);
            long now = clock.getAsLong();
            List<OpenTransaction> candidates = new ArrayList<>();
            for (int i = 0; i < partitions.size(); i += MAX_BATCH_SIZE) {
                List<TopicPartition> batch = partitions.subList(i, Math.min(partitions.size(), i + MAX_BATCH_SIZE));
                Map<TopicPartition, DescribeProducersResult.PartitionProducerState> states;
                try {
                    states = await(admin.describeProducers(batch).all(),
                            "describing the producers of " + batch.size() + " partition(s)");
                } catch (ToolException e) {
                    throw e;
                } catch (KafkaException e) {
                    throw new ToolException("cannot describe the producers of " + batch.size() + " partition(s): "
                            + rootMessage(e));
                }
                states.forEach((tp, state) -> state.activeProducers().forEach(p -> {
                    if (p.currentTransactionStartOffset().isPresent() && now - p.lastTimestamp() > thresholdMs) {
                        candidates.add(new OpenTransaction(tp, p));
                    }
                }));
            }
            List<OpenTransaction> hanging = candidates.isEmpty() ? List.of() : hanging(admin, candidates);
            if (hanging.isEmpty()) {
                err.println("no hanging transactions on " + partitions.size() + " partition(s) ("
                        + candidates.size() + " open longer than " + thresholdMs + " ms, all owned by a coordinator)");
                return EXIT_OK;
            }
            List<OpenTransaction> sorted = hanging.stream()
                    .sorted(Comparator.comparing(OpenTransaction::partition, PARTITION_ORDER)
                            .thenComparingLong(t -> t.producer().producerId()))
                    .toList();
            List<List<String>> rows = new ArrayList<>();
            for (OpenTransaction t : sorted) {
                ProducerState p = t.producer();
                rows.add(List.of(t.partition().topic(), Integer.toString(t.partition().partition()),
                        Long.toString(p.producerId()), Integer.toString(p.producerEpoch()),
                        p.coordinatorEpoch().isPresent() ? Integer.toString(p.coordinatorEpoch().getAsInt()) : "-",
                        Long.toString(p.currentTransactionStartOffset().getAsLong()), time(p.lastTimestamp()),
                        Long.toString(Math.max(0, now - p.lastTimestamp()))));
            }
            printTable(out, List.of("TOPIC", "PARTITION", "PRODUCER-ID", "PRODUCER-EPOCH", "COORDINATOR-EPOCH",
                    "START-OFFSET", "LAST-TIMESTAMP", "AGE-MS"), rows);
            err.println(hanging.size() + " hanging transaction(s); each pins its partition's last stable offset."
                    + " Abort them with:");
            for (OpenTransaction t : sorted) {
                err.println("  bin/weir transactions abort --bootstrap-server " + connection.bootstrap + " --topic "
                        + t.partition().topic() + " --partition " + t.partition().partition() + " --start-offset "
                        + t.producer().currentTransactionStartOffset().getAsLong());
            }
            return EXIT_OK;
        }

        private List<TopicPartition> partitionsToSearch(Admin admin) {
            if (scope.topic != null && scope.partition != null) {
                TopicPartition tp = new TopicPartition(scope.topic, scope.partition);
                requirePartition(admin, tp);
                return List.of(tp);
            }
            Collection<String> topics;
            if (scope.topic != null) {
                topics = List.of(scope.topic);
            } else {
                try {
                    topics = await(admin.listTopics().names(), "listing topics");
                } catch (ToolException e) {
                    throw e;
                } catch (KafkaException e) {
                    throw new ToolException("cannot list topics: " + rootMessage(e));
                }
            }
            Map<String, TopicDescription> described = describeTopics(admin, topics, topic -> {
                if (scope.topic != null) {
                    throw new ToolException("topic '" + topic + "' does not exist; check the name"
                            + " (kafka-topics.sh --list)");
                }
                // deleted since it was listed: left out
            });
            List<TopicPartition> partitions = new ArrayList<>();
            described.forEach((topic, d) -> {
                for (TopicPartitionInfo info : d.partitions()) {
                    if (scope.brokerId == null || info.replicas().stream().anyMatch(n -> n.id() == scope.brokerId)) {
                        partitions.add(new TopicPartition(topic, info.partition()));
                    }
                }
            });
            if (partitions.isEmpty() && scope.brokerId != null) {
                err.println("note: no partition" + (scope.topic == null ? "" : " of '" + scope.topic + "'")
                        + " has a replica on broker " + scope.brokerId);
            }
            return partitions;
        }

        /** Kafka's filter: no coordinator knows the producer id, or its transaction leaves out the partition. */
        private List<OpenTransaction> hanging(Admin admin, List<OpenTransaction> candidates) {
            Set<Long> producerIds = candidates.stream().map(t -> t.producer().producerId())
                    .collect(Collectors.toCollection(HashSet::new));
            Map<Long, String> transactionalIds = new HashMap<>();
            try {
                for (TransactionListing l : await(admin.listTransactions(
                        new ListTransactionsOptions().filterProducerIds(producerIds)).all(), "listing transactions")) {
                    if (producerIds.contains(l.producerId())) {
                        transactionalIds.put(l.producerId(), l.transactionalId());
                    }
                }
            } catch (ToolException e) {
                throw e;
            } catch (KafkaException e) {
                throw new ToolException("cannot list the transactions of " + producerIds.size() + " producer(s): "
                        + rootMessage(e));
            }
            Map<String, Optional<TransactionDescription>> descriptions = new HashMap<>();
            if (!transactionalIds.isEmpty()) {
                Set<String> ids = new HashSet<>(transactionalIds.values());
                DescribeTransactionsResult result = admin.describeTransactions(ids);
                for (String id : ids) {
                    try {
                        descriptions.put(id, Optional.of(await(result.description(id),
                                "describing transaction '" + id + "'")));
                    } catch (TransactionalIdNotFoundException e) {
                        descriptions.put(id, Optional.empty());
                    } catch (ToolException e) {
                        throw e;
                    } catch (KafkaException e) {
                        throw new ToolException("cannot describe transaction '" + id + "': " + rootMessage(e));
                    }
                }
            }
            List<OpenTransaction> hanging = new ArrayList<>();
            for (OpenTransaction t : candidates) {
                String id = transactionalIds.get(t.producer().producerId());
                Optional<TransactionDescription> d = id == null ? Optional.empty() : descriptions.get(id);
                if (d.isEmpty() || !d.get().topicPartitions().contains(t.partition())) {
                    hanging.add(t);
                }
            }
            return hanging;
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|min|h)?");

    /** Milliseconds of "15" (minutes, as Kafka's --max-transaction-timeout), "500ms", "30s", "15m", "1h". */
    static long parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new UsageException("--max-transaction-timeout '" + text + "' is not a duration; use minutes (15)"
                    + " or a number with a unit: 500ms, 30s, 15m, 1h");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "m" : m.group(2);
        return switch (unit) {
            case "ms" -> n;
            case "s" -> TimeUnit.SECONDS.toMillis(n);
            case "h" -> TimeUnit.HOURS.toMillis(n);
            default -> TimeUnit.MINUTES.toMillis(n);
        };
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = {"Abort a hanging transaction on one partition: write an ABORT marker there (Admin"
                    + " abortTransaction: WriteTxnMarkers to the partition leader), so the last stable offset moves"
                    + " past it and read_committed consumers continue.",
                    "Name the transaction by --start-offset (see find-hanging or describe-producers), or give"
                    + " --producer-id, --producer-epoch and --coordinator-epoch yourself.",
                    "Only for transactions no coordinator will finish: aborting a live one makes its producer fail."})
    static final class Abort extends TxnAdminCommand {
        @Option(names = "--topic", paramLabel = "TOPIC", required = true, description = "The topic.")
        String topic;

        @Option(names = "--partition", paramLabel = "P", required = true, description = "The partition.")
        int partition;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--start-offset", paramLabel = "OFFSET", required = true,
                    description = "The offset the open transaction starts at (TXN-START-OFFSET).")
            Long startOffset;

            @ArgGroup(exclusive = false)
            Producer producer;
        }

        static final class Producer {
            @Option(names = "--producer-id", paramLabel = "ID", required = true, description = "The producer id.")
            long producerId;

            @Option(names = "--producer-epoch", paramLabel = "E", required = true,
                    description = "The producer epoch.")
            short producerEpoch;

            @Option(names = "--coordinator-epoch", paramLabel = "E", required = true,
                    description = "The coordinator epoch (at least that of the partition's last marker).")
            int coordinatorEpoch;
        }

        @Override
        int run(Admin admin) {
            TopicPartition tp = new TopicPartition(topic, partition);
            AbortTransactionSpec abort;
            if (target.startOffset != null) {
                long offset = target.startOffset;
                List<ProducerState> producers = producers(admin, tp, null);
                ProducerState p = producers.stream()
                        .filter(s -> s.currentTransactionStartOffset().orElse(-1) == offset)
                        .findFirst()
                        .orElseThrow(() -> new ToolException("no open transaction starts at offset " + offset
                                + " on " + tp + "; open ones start at: " + openStarts(producers)
                                + " (see: bin/weir transactions describe-producers --topic " + topic + " --partition "
                                + partition + ")"));
                abort = new AbortTransactionSpec(tp, p.producerId(), (short) p.producerEpoch(),
                        p.coordinatorEpoch().orElse(0));
            } else {
                Producer p = target.producer;
                requirePartition(admin, tp);
                abort = new AbortTransactionSpec(tp, p.producerId, p.producerEpoch, p.coordinatorEpoch);
            }
            String what = "the transaction of producer " + abort.producerId() + " (epoch " + abort.producerEpoch()
                    + ", coordinator epoch " + abort.coordinatorEpoch() + ") on " + tp;
            try {
                await(admin.abortTransaction(abort).all(), "aborting " + what);
            } catch (InvalidProducerEpochException | ProducerFencedException e) {
                throw new ToolException("the leader of " + tp + " refused to abort " + what + ": the producer has a"
                        + " newer epoch there (" + e.getMessage() + "); run describe-producers and use its epoch");
            } catch (TransactionCoordinatorFencedException e) {
                throw new ToolException("the leader of " + tp + " refused to abort " + what + ": a marker with a newer"
                        + " coordinator epoch was written there (" + e.getMessage() + "); give --coordinator-epoch"
                        + " at least the COORDINATOR-EPOCH describe-producers shows");
            } catch (ToolException e) {
                throw e;
            } catch (KafkaException e) {
                throw new ToolException("cannot abort " + what + ": " + rootMessage(e));
            }
            out.println("aborted " + what + ": an ABORT marker is written, so read_committed consumers move past it");
            return EXIT_OK;
        }

        private static String openStarts(List<ProducerState> producers) {
            List<String> starts = producers.stream().filter(p -> p.currentTransactionStartOffset().isPresent())
                    .map(p -> p.currentTransactionStartOffset().getAsLong() + " (producer " + p.producerId() + ")")
                    .toList();
            return starts.isEmpty() ? "none" : String.join(", ", starts);
        }
    }
}
