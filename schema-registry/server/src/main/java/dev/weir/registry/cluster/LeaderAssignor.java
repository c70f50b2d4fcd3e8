package dev.weir.registry.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.TopicPartition;

/**
 * The group's assignor: picks the leader and tells everyone its URL.
 *
 * <p>Subscription user data: UTF-8 {@code "<url>\n<1 if leader in the last generation, else 0>"}. The
 * current leader stays leader if it is still a member (no needless moves when an instance joins); otherwise
 * the member with the smallest member id wins. Assignment: partition 0 of the subscribed topic to the leader, nothing to the
 * others; user data of every assignment = the leader's URL (UTF-8).
 *
 * <p>Created by the consumer (reflection) and configured with the owning {@link LeaderElector} under
 * {@link #ELECTOR_CONFIG}; used only on that consumer's thread.
 */
public final class LeaderAssignor implements ConsumerPartitionAssignor, Configurable {
    static final String ELECTOR_CONFIG = "weir.registry.elector";
    private LeaderElector elector;

    @Override
    public void configure(Map<String, ?> configs) {
        elector = (LeaderElector) configs.get(ELECTOR_CONFIG);
    }

    @Override
    public String name() {
        return "weir-registry-leader";
    }

    @Override
    public ByteBuffer subscriptionUserData(Set<String> topics) {
        // Not isLeader(): the rebalance now running has already revoked the current leadership.
        String data = elector.myUrl() + "\n" + (elector.ledLastGeneration() ? "1" : "0");
        return ByteBuffer.wrap(data.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public GroupAssignment assign(Cluster metadata, GroupSubscription groupSubscription) {
        Map<String, Subscription> members = groupSubscription.groupSubscription();
        List<String> ids = new ArrayList<>(members.keySet());
        ids.sort(null);
        String leaderId = ids.get(0);
        for (String id : ids) {
            if (text(members.get(id).userData()).endsWith("\n1")) {
                leaderId = id;
                break;
            }
        }
        Subscription ls = members.get(leaderId);
        String leaderUrl = text(ls.userData()).split("\n")[0];
        String topic = ls.topics().get(0);
        Map<String, Assignment> out = new HashMap<>();
        for (String id : ids) {
            List<TopicPartition> parts = id.equals(leaderId) ? List.of(new TopicPartition(topic, 0)) : List.of();
            out.put(id, new Assignment(parts, ByteBuffer.wrap(leaderUrl.getBytes(StandardCharsets.UTF_8))));
        }
        return new GroupAssignment(out);
    }

    @Override
    public void onAssignment(Assignment assignment, ConsumerGroupMetadata metadata) {
        elector.assigned(text(assignment.userData()), !assignment.partitions().isEmpty());
    }

    private static String text(ByteBuffer b) {
        if (b == null) {
            return "";
        }
        ByteBuffer d = b.duplicate();
        byte[] bytes = new byte[d.remaining()];
        d.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
