package dev.weir.log.cluster.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.cp.CPMember;
import java.io.Serializable;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * Asks a member for the UUID of its CP member identity (null when it is not a CP member). A member
 * promoted into the CP subsystem after it formed gets a CP UUID of its own, unlike its Hazelcast member
 * UUID, so only the member itself can say which CP member it is.
 */
final class LocalCpMemberQuery implements Callable<UUID>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;

    private transient HazelcastInstance instance;

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.instance = instance;
    }

    @Override
    public UUID call() {
        CPMember local = instance.getCPSubsystem().getLocalCPMember();
        return local == null ? null : local.getUuid();
    }
}
