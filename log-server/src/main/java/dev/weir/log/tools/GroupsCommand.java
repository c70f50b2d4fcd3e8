package dev.weir.log.tools;

import static dev.weir.log.tools.AdminTool.PARTITION_ORDER;
import static dev.weir.log.tools.AdminTool.printTable;
import static dev.weir.log.tools.AdminTool.rootMessage;

import java.io.PrintStream;
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
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import dev.weir.log.tools.AdminTool.AdminCommand;
import dev.weir.log.tools.AdminTool.ToolCommand;
import dev.weir.log.tools.AdminTool.ToolException;
import dev.weir.log.tools.AdminTool.UsageException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
public final class GroupsCommand extends ToolCommand {

    public static final int EXIT_OK = AdminTool.EXIT_OK;
    public static final int EXIT_FAILED = AdminTool.EXIT_FAILED;
    public static final int EXIT_USAGE = AdminTool.EXIT_USAGE;

    GroupsCommand() {
        super("list, describe or reset-offsets");
    }

    public static void main(String[] args) {
        AdminTool.main("weir.groups.client.logs", args, GroupsCommand::execute);
    }

    /** Runs a command line and returns its exit code; {@link #main} minus the System.exit. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        return AdminTool.execute(new GroupsCommand(), args, out, err, command -> { });
    }

    /** The group subcommands' body: an Admin named {@code weir-groups}, and the group look-ups they share. */
    abstract static class GroupAdminCommand extends AdminCommand {
        GroupAdminCommand() {
            super("weir-groups");
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
    static final class ListGroups extends GroupAdminCommand {
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
    static final class Describe extends GroupAdminCommand {
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
    static final class ResetOffsets extends GroupAdminCommand {
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
            Map<String, TopicDescription> topics = describeTopics(admin, requested.keySet(), topic -> {
                throw new ToolException("topic '" + topic + "' does not exist; check the name"
                        + " (kafka-topics.sh --list, or Admin listTopics)");
            });
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
}
