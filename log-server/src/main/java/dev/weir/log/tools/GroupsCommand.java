package dev.weir.log.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code weir groups list|describe|reset-offsets}: consumer-group tooling in the manner of Kafka's
 * {@code kafka-consumer-groups.sh}. A plain Kafka-protocol client (kafka-clients {@link Admin}), so it
 * works against any Kafka-compatible broker and uses none of the broker's own classes.
 *
 * <p>Exit codes: 0 done (a dry run included), 1 the operation failed or was refused (unreachable
 * broker, unknown group or topic, active group), 2 bad usage.
 */
@Command(name = "groups", mixinStandardHelpOptions = true,
        description = "List, describe and reset the offsets of consumer groups (like kafka-consumer-groups.sh).",
        subcommands = {GroupsCommand.ListGroups.class, GroupsCommand.Describe.class, GroupsCommand.ResetOffsets.class})
public final class GroupsCommand implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "name a subcommand: list, describe or reset-offsets");
    }

    public static void main(String[] args) {
        ToolLogging.quietClientLogs("weir.groups.client.logs");
        System.exit(execute(args, System.out, System.err));
    }


    /** Runs a command line and returns its exit code; {@link #main} minus the System.exit. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new GroupsCommand(), new StreamsFactory(out, err));
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

    /** Shared body: an Admin for the subcommand's lifetime, errors turned into messages. */
    abstract static class AdminCommand implements Callable<Integer> {
        @Mixin
        Connection connection;

        PrintStream out;
        PrintStream err;

        abstract int run(Admin admin);

        @Override
        public Integer call() {
            if (connection.timeoutMs <= 0) {
                throw new UsageException("--timeout-ms must be positive, got " + connection.timeoutMs);
            }
            try (Admin admin = connection.admin("weir-groups")) {
                return run(admin);
            }
        }

        /** Waits for an Admin result, turning its failures into messages that say what to do. */
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

        /** The group's description, or empty if the group does not exist. */
        Optional<ConsumerGroupDescription> describeGroup(Admin admin, String group) {
            try {
                ConsumerGroupDescription d = await(admin.describeConsumerGroups(List.of(group)).describedGroups()
                        .get(group), "describing group '" + group + "'");
                return d.groupState() == GroupState.DEAD ? Optional.empty() : Optional.of(d);
            } catch (GroupIdNotFoundException e) {
                return Optional.empty();
            } catch (KafkaException e) {
                throw new ToolException("cannot describe group '" + group + "': " + rootMessage(e));
            }
        }

        Map<TopicPartition, OffsetAndMetadata> committedOffsets(Admin admin, String group) {
            try {
                Map<TopicPartition, OffsetAndMetadata> offsets = await(
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                        "fetching the committed offsets of group '" + group + "'");
                Map<TopicPartition, OffsetAndMetadata> present = new HashMap<>();
                offsets.forEach((tp, o) -> {
                    if (o != null) {
                        present.put(tp, o);
                    }
                });
                return present;
            } catch (GroupIdNotFoundException e) {
                return Map.of();
            } catch (KafkaException e) {
                throw new ToolException("cannot fetch the committed offsets of group '" + group + "': " + rootMessage(e));
            }
        }

        /** Offsets per partition for {@code spec}; partitions whose lookup failed are absent. */
        Map<TopicPartition, Long> listOffsets(Admin admin, Collection<TopicPartition> partitions, OffsetSpec spec,
                                              String what) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            partitions.forEach(tp -> request.put(tp, spec));
            ListOffsetsResult result = admin.listOffsets(request);
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (TopicPartition tp : partitions) {
                try {
                    offsets.put(tp, await(result.partitionResult(tp), what).offset());
                } catch (UnknownTopicOrPartitionException e) {
                    // deleted topic or partition: the caller shows "-"
                } catch (ToolException e) {
                    throw e;
                } catch (KafkaException e) {
                    throw new ToolException("cannot " + what + " of " + tp + ": " + rootMessage(e));
                }
            }
            return offsets;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the consumer groups the broker knows, with their state.")
    static final class ListGroups extends AdminCommand {
        @Option(names = "--state", paramLabel = "STATE", split = ",",
                description = "Only groups in these states (comma-separated, case-insensitive): "
                        + "Empty, Stable, PreparingRebalance, CompletingRebalance, Dead, Assigning, Reconciling.")
        List<String> states = List.of();

        @Override
        int run(Admin admin) {
            Set<GroupState> wanted = states.stream().map(ListGroups::parseState).collect(Collectors.toSet());
            ListGroupsOptions options = ListGroupsOptions.forConsumerGroups();
            if (!wanted.isEmpty()) {
                options.inGroupStates(wanted);
            }
            Collection<GroupListing> groups;
            try {
                groups = await(admin.listGroups(options).all(), "listing groups");
            } catch (KafkaException e) {
                throw new ToolException("cannot list groups: " + rootMessage(e));
            }
            List<List<String>> rows = groups.stream()
                    .sorted(Comparator.comparing(GroupListing::groupId))
                    .map(g -> List.of(g.groupId(), g.groupState().map(GroupState::toString).orElse("-")))
                    .toList();
            if (rows.isEmpty()) {
                err.println(wanted.isEmpty() ? "no consumer groups" : "no consumer groups in state " + states);
                return EXIT_OK;
            }
            printTable(out, List.of("GROUP", "STATE"), rows);
            return EXIT_OK;
        }

        private static GroupState parseState(String name) {
            GroupState state = GroupState.parse(name.trim());
            if (state == GroupState.UNKNOWN) {
                throw new UsageException("unknown group state '" + name + "'; use one of Empty, Stable, "
                        + "PreparingRebalance, CompletingRebalance, Dead, Assigning, Reconciling");
            }
            return state;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show a group's state and members, and for each partition its committed offset, "
                    + "log-end offset, lag and owner.")
    static final class Describe extends AdminCommand {
        @Option(names = "--group", paramLabel = "GROUP", required = true, description = "The group to describe.")
        String group;

        @Override
        int run(Admin admin) {
            Optional<ConsumerGroupDescription> description = describeGroup(admin, group);
            Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(admin, group);
            if (description.isEmpty() && committed.isEmpty()) {
                throw new ToolException("consumer group '" + group + "' does not exist"
                        + " (see the groups the broker knows with: bin/weir groups list)");
            }
            Map<TopicPartition, MemberDescription> owners = new HashMap<>();
            description.ifPresent(d -> d.members().forEach(m ->
                    m.assignment().topicPartitions().forEach(tp -> owners.put(tp, m))));

            Set<TopicPartition> partitions = new java.util.TreeSet<>(PARTITION_ORDER);
            partitions.addAll(committed.keySet());
            partitions.addAll(owners.keySet());
            Map<TopicPartition, Long> ends = listOffsets(admin, partitions, OffsetSpec.latest(),
                    "fetching the log-end offsets");

            String state = description.map(d -> d.groupState().toString()).orElse("Empty");
            int members = description.map(d -> d.members().size()).orElse(0);
            out.println("GROUP " + group + "  STATE " + state + "  MEMBERS " + members
                    + description.filter(d -> !d.partitionAssignor().isEmpty())
                            .map(d -> "  ASSIGNOR " + d.partitionAssignor()).orElse("")
                    + description.filter(d -> d.coordinator() != null)
                            .map(d -> "  COORDINATOR " + d.coordinator().id() + " (" + d.coordinator().host() + ":"
                                    + d.coordinator().port() + ")").orElse(""));
            out.println();
            if (members == 0) {
                out.println("Consumer group '" + group + "' has no active members.");
                out.println();
            }
            List<List<String>> rows = new ArrayList<>();
            long totalLag = 0;
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata current = committed.get(tp);
                Long end = ends.get(tp);
                MemberDescription owner = owners.get(tp);
                String lag = "-";
                if (current != null && end != null) {
                    long l = Math.max(0, end - current.offset());
                    totalLag += l;
                    lag = Long.toString(l);
                }
                rows.add(List.of(tp.topic(), Integer.toString(tp.partition()),
                        current == null ? "-" : Long.toString(current.offset()),
                        end == null ? "-" : Long.toString(end),
                        lag,
                        owner == null ? "-" : owner.consumerId(),
                        owner == null ? "-" : owner.host(),
                        owner == null ? "-" : owner.clientId()));
            }
            if (rows.isEmpty()) {
                out.println("(no committed offsets and no assigned partitions)");
            } else {
                printTable(out, List.of("TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                        "CONSUMER-ID", "HOST", "CLIENT-ID"), rows);
                out.println();
                out.println("TOTAL LAG " + totalLag);
            }
            if (members > 0) {
                out.println();
                List<List<String>> memberRows = description.get().members().stream()
                        .sorted(Comparator.comparing(MemberDescription::consumerId))
                        .map(m -> List.of(m.consumerId(), m.groupInstanceId().orElse("-"), m.host(), m.clientId(),
                                Integer.toString(m.assignment().topicPartitions().size())))
                        .toList();
                printTable(out, List.of("CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS"),
                        memberRows);
            }
            return EXIT_OK;
        }
    }

    @Command(name = "reset-offsets", mixinStandardHelpOptions = true,
            description = {"Reset the committed offsets of an inactive (Empty) group, or create them for a new group.",
                    "Prints the planned offsets; changes nothing unless --execute is given."})
    static final class ResetOffsets extends AdminCommand {
        @Option(names = "--group", paramLabel = "GROUP", required = true, description = "The group whose offsets to reset.")
        String group;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Scope scope;

        static final class Scope {
            @Option(names = "--topic", paramLabel = "TOPIC[:P,...]", required = true,
                    description = "A topic, all its partitions or those listed (e.g. orders:0,2). Repeatable.")
            List<String> topics;

            @Option(names = "--all-topics", required = true,
                    description = "Every partition the group has a committed offset for.")
            boolean allTopics;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--to-earliest", required = true, description = "The log start offset.")
            boolean earliest;

            @Option(names = "--to-latest", required = true, description = "The log-end offset (skip everything).")
            boolean latest;

            @Option(names = "--to-datetime", paramLabel = "ISO-8601", required = true,
                    description = "The first record with a timestamp at or after this time, e.g. 2026-11-22T10:00:00Z, "
                            + "2026-11-22T11:00:00+01:00 or 2026-11-22T10:00 (local time zone); log end if none.")
            String datetime;

            @Option(names = "--to-offset", paramLabel = "N", required = true,
                    description = "This offset (kept within the log start and end offsets).")
            Long offset;

            @Option(names = "--shift-by", paramLabel = "N", required = true,
                    description = "The committed offset plus N (negative to go back), kept within the log.")
            Long shiftBy;
        }

        @ArgGroup(exclusive = true)
        Mode mode;

        static final class Mode {
            @Option(names = "--execute", description = "Apply the new offsets.")
            boolean execute;

            @Option(names = "--dry-run", description = "Only print the new offsets (the default).")
            boolean dryRun;
        }

        @Override
        int run(Admin admin) {
            long timestamp = target.datetime == null ? -1 : parseDateTime(target.datetime);

            Optional<ConsumerGroupDescription> description = describeGroup(admin, group);
            if (description.isPresent() && description.get().groupState() != GroupState.EMPTY) {
                ConsumerGroupDescription d = description.get();
                throw new ToolException("cannot reset the offsets of group '" + group + "': it is "
                        + d.groupState() + " with " + d.members().size() + " member(s) ("
                        + d.members().stream().map(MemberDescription::clientId).distinct().sorted()
                                .collect(Collectors.joining(", "))
                        + "); offsets can only be reset while the group is inactive, as in Kafka."
                        + " Stop its consumers (or wait for their session timeout) and run this again.");
            }
            Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(admin, group);
            List<TopicPartition> partitions = partitionsToReset(admin, committed);

            Map<TopicPartition, Long> earliest = listOffsets(admin, partitions, OffsetSpec.earliest(),
                    "fetching the log start offsets");
            Map<TopicPartition, Long> latest = listOffsets(admin, partitions, OffsetSpec.latest(),
                    "fetching the log-end offsets");
            for (TopicPartition tp : partitions) {
                if (!earliest.containsKey(tp) || !latest.containsKey(tp)) {
                    throw new ToolException("partition " + tp + " does not exist or has no leader;"
                            + " name existing partitions with --topic");
                }
            }
            Map<TopicPartition, Long> byTime = timestamp < 0 ? Map.of()
                    : listOffsets(admin, partitions, OffsetSpec.forTimestamp(timestamp), "looking up offsets by time");

            Map<TopicPartition, Long> planned = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) {
                long start = earliest.get(tp);
                long end = latest.get(tp);
                long wanted;
                if (target.earliest) {
                    wanted = start;
                } else if (target.latest) {
                    wanted = end;
                } else if (target.datetime != null) {
                    Long found = byTime.get(tp);
                    wanted = found == null || found < 0 ? end : found;
                } else if (target.offset != null) {
                    wanted = target.offset;
                } else {
                    OffsetAndMetadata current = committed.get(tp);
                    if (current == null) {
                        throw new ToolException("cannot shift the offset of " + tp + ": group '" + group
                                + "' has no committed offset for it; use --to-earliest, --to-latest, --to-datetime "
                                + "or --to-offset for it");
                    }
                    wanted = current.offset() + target.shiftBy;
                }
                planned.put(tp, clamp(tp, wanted, start, end));
            }

            boolean exists = description.isPresent() || !committed.isEmpty();
            out.println("GROUP " + group + "  STATE " + (exists ? "Empty" : "(new group)")
                    + (timestamp < 0 ? "" : "  TO-DATETIME " + Instant.ofEpochMilli(timestamp) + " (" + timestamp + " ms)"));
            out.println();
            List<List<String>> rows = new ArrayList<>();
            planned.forEach((tp, offset) -> {
                OffsetAndMetadata current = committed.get(tp);
                rows.add(List.of(tp.topic(), Integer.toString(tp.partition()),
                        current == null ? "-" : Long.toString(current.offset()), Long.toString(offset)));
            });
            printTable(out, List.of("TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET"), rows);
            out.println();
            if (mode == null || !mode.execute) {
                out.println("dry run: nothing changed; add --execute to apply these offsets");
                return EXIT_OK;
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
            planned.forEach((tp, offset) -> offsets.put(tp, new OffsetAndMetadata(offset)));
            try {
                await(admin.alterConsumerGroupOffsets(group, offsets).all(), "committing the new offsets");
            } catch (UnknownMemberIdException | IllegalGenerationException | RebalanceInProgressException e) {
                throw new ToolException("the broker refused the new offsets of group '" + group + "': the group became"
                        + " active meanwhile (" + e.getMessage() + "). Stop its consumers and run this again.");
            } catch (KafkaException e) {
                throw new ToolException("the broker refused the new offsets of group '" + group + "': "
                        + rootMessage(e));
            }
            out.println("done: committed new offsets for " + offsets.size() + " partition(s) of group '" + group + "'");
            return EXIT_OK;
        }

        private long clamp(TopicPartition tp, long wanted, long start, long end) {
            if (wanted < start) {
                err.println("note: " + tp + ": offset " + wanted + " is before the log start offset " + start
                        + "; using " + start);
                return start;
            }
            if (wanted > end) {
                err.println("note: " + tp + ": offset " + wanted + " is after the log-end offset " + end
                        + "; using " + end);
                return end;
            }
            return wanted;
        }

        private List<TopicPartition> partitionsToReset(Admin admin, Map<TopicPartition, OffsetAndMetadata> committed) {
            if (scope.allTopics) {
                if (committed.isEmpty()) {
                    throw new ToolException("group '" + group + "' has no committed offsets, so --all-topics names"
                            + " no partitions; name them with --topic TOPIC[:P,...]");
                }
                return committed.keySet().stream().sorted(PARTITION_ORDER).toList();
            }
            Map<String, List<Integer>> requested = new LinkedHashMap<>();
            for (String spec : scope.topics) {
                int colon = spec.lastIndexOf(':');
                String topic = colon < 0 ? spec : spec.substring(0, colon);
                if (topic.isBlank()) {
                    throw new UsageException("--topic '" + spec + "' names no topic; use TOPIC or TOPIC:P,P,...");
                }
                List<Integer> list = requested.computeIfAbsent(topic, t -> new ArrayList<>());
                if (colon >= 0) {
                    for (String p : spec.substring(colon + 1).split(",")) {
                        try {
                            list.add(Integer.parseInt(p.trim()));
                        } catch (NumberFormatException e) {
                            throw new UsageException("--topic '" + spec + "': '" + p
                                    + "' is not a partition number; use TOPIC or TOPIC:P,P,...");
                        }
                    }
                }
            }
            Map<String, TopicDescription> topics = new TreeMap<>();
            var described = admin.describeTopics(requested.keySet()).topicNameValues();
            for (String topic : requested.keySet()) {
                try {
                    topics.put(topic, await(described.get(topic), "describing topic '" + topic + "'"));
                } catch (UnknownTopicOrPartitionException e) {
                    throw new ToolException("topic '" + topic + "' does not exist; check the name"
                            + " (kafka-topics.sh --list, or Admin listTopics)");
                } catch (ToolException e) {
                    throw e;
                } catch (KafkaException e) {
                    throw new ToolException("cannot describe topic '" + topic + "': " + rootMessage(e));
                }
            }
            List<TopicPartition> partitions = new ArrayList<>();
            requested.forEach((topic, wanted) -> {
                List<Integer> existing = topics.get(topic).partitions().stream().map(TopicPartitionInfo::partition)
                        .sorted().toList();
                if (wanted.isEmpty()) {
                    existing.forEach(p -> partitions.add(new TopicPartition(topic, p)));
                    return;
                }
                for (int p : wanted) {
                    if (!existing.contains(p)) {
                        throw new ToolException("topic '" + topic + "' has no partition " + p + " (it has "
                                + existing.size() + ": 0.." + (existing.size() - 1) + ")");
                    }
                    TopicPartition tp = new TopicPartition(topic, p);
                    if (!partitions.contains(tp)) {
                        partitions.add(tp);
                    }
                }
            });
            partitions.sort(PARTITION_ORDER);
            return partitions;
        }
    }

    /**
     * Epoch milliseconds of an ISO-8601 date-time: with an offset or Z as given, without one in the
     * local time zone (as Kafka's tool does), or a bare date at local midnight.
     */
    static long parseDateTime(String text) {
        String s = text.trim();
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // no offset: try a local date-time
        }
        try {
            return LocalDateTime.parse(s).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try a date
        }
        try {
            return LocalDate.parse(s).atStartOfDay(ZoneId.systemDefault()).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new UsageException("--to-datetime '" + text + "' is not an ISO-8601 date-time; use e.g. "
                    + "2026-11-22T10:15:30Z, 2026-11-22T11:15:30+01:00 or 2026-11-22T10:15:30 (local time)");
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
    private record StreamsFactory(PrintStream out, PrintStream err) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            K instance = CommandLine.defaultFactory().create(type);
            if (instance instanceof AdminCommand command) {
                command.out = out;
                command.err = err;
            }
            return instance;
        }
    }
}
