package dev.weir.log.group;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a classic group, as in Kafka. Transitions (anything else is a bug and throws):
 *
 * <pre>
 * from                 to                   when
 * Empty                PreparingRebalance   a member joins
 * Empty                Dead                 the group is deleted, its last offsets expire, or its shard is unloaded
 * PreparingRebalance   CompletingRebalance  every known member has rejoined, or the rebalance timeout expired with
 *                                           at least one member (the others are removed); generation + 1
 * PreparingRebalance   Empty                the join phase ended with no member left; generation + 1
 * PreparingRebalance   Dead                 shard unloaded
 * CompletingRebalance  Stable               the leader's SyncGroup assignment is persisted
 * CompletingRebalance  PreparingRebalance   a member joins, leaves, fails, changes its metadata, or does not sync
 *                                           within the rebalance timeout
 * CompletingRebalance  Dead                 shard unloaded
 * Stable               PreparingRebalance   a member joins, leaves, fails, the leader rejoins, or a member's metadata
 *                                           changes
 * Stable               Dead                 shard unloaded
 * Dead                 (none)               a dead group object is never reused; requests that find one retry
 * </pre>
 *
 * {@link #kafkaName()} is the name Kafka uses in DescribeGroups and ListGroups.
 */
public enum GroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    private final String kafkaName;

    GroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    public String kafkaName() {
        return kafkaName;
    }

    /** The states a group may be in just before it enters this one. */
    Set<GroupState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(PREPARING_REBALANCE);
            case PREPARING_REBALANCE -> EnumSet.of(EMPTY, COMPLETING_REBALANCE, STABLE);
            case COMPLETING_REBALANCE -> EnumSet.of(PREPARING_REBALANCE);
            case STABLE -> EnumSet.of(COMPLETING_REBALANCE);
            case DEAD -> EnumSet.of(EMPTY, PREPARING_REBALANCE, COMPLETING_REBALANCE, STABLE, DEAD);
        };
    }

    /** The state named {@code name} (Kafka's spelling, case-insensitive), or null. */
    static GroupState byKafkaName(String name) {
        for (GroupState s : values()) {
            if (s.kafkaName.equalsIgnoreCase(name)) {
                return s;
            }
        }
        return null;
    }
}
