package dev.weir.log.cluster.hazelcast;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.cp.IAtomicReference;
import com.hazelcast.cp.lock.FencedLock;
import com.hazelcast.topic.ITopic;
import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.cluster.ElectionResult;
import dev.weir.log.cluster.ImageCodec;
import dev.weir.log.cluster.MetadataChanges;
import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.cluster.hazelcast.ControllerCommand.AllocateProducerIds;
import dev.weir.log.cluster.hazelcast.ControllerCommand.AlterPartition;
import dev.weir.log.cluster.hazelcast.ControllerCommand.CreatePartitions;
import dev.weir.log.cluster.hazelcast.ControllerCommand.CreateTopic;
import dev.weir.log.cluster.hazelcast.ControllerCommand.DeleteTopic;
import dev.weir.log.cluster.hazelcast.ControllerCommand.ElectLeaders;
import dev.weir.log.cluster.hazelcast.ControllerCommand.Outcome;
import dev.weir.log.cluster.hazelcast.ControllerCommand.ReassignPartition;
import dev.weir.log.cluster.hazelcast.ControllerCommand.RegisterBroker;
import dev.weir.log.cluster.hazelcast.ControllerCommand.SetTopicConfigs;
import dev.weir.common.concurrent.NamedThreads;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotControllerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster controller, active on the one broker that holds the CP {@link FencedLock}
 * {@code weir-controller}. The lock's fence is the controller epoch: every image it writes carries it,
 * and a write finding a higher epoch in the shared image resigns instead, so a deposed controller
 * (paused, or cut off until its CP session expired) can never overwrite its successor.
 *
 * <p>States, one transition table:
 * <pre>
 *   standby --lock acquired (fence f)--> active(epoch f): reconcile now and every 500 ms
 *   active  --lock lost / newer epoch seen / close--> standby
 * </pre>
 * While active it applies {@link ControllerCommand}s from brokers and reconciles the image with the
 * live Hazelcast members: dead brokers lose leaderships and leave ISRs, offline partitions get a
 * leader when an in-sync replica returns, reassignments complete, and leadership goes back to the
 * preferred replica ({@code auto.leader.rebalance.enable}). Each change is a compare-and-set of the
 * whole image on a CP {@link IAtomicReference}, so concurrent writers cannot interleave.
 *
 * <p>Thread-safety: the lock is held by the election thread (Hazelcast locks are per thread); all
 * image changes run on the single {@code weir-controller} thread.
 */
final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    static final String CONTEXT_KEY = "weir.controller";
    private static final long RECONCILE_INTERVAL_MS = 500;

    private final HazelcastMember member;
    private final int nodeId;
    private final IAtomicReference<byte[]> shared;
    private final ITopic<Long> changes;
    private final Consumer<MetadataImage> onCommitted;
    private final boolean autoRebalance;
    private final Predicate<TopicImage> uncleanElection;
    private final long sessionTimeoutMs;
    private final ScheduledExecutorService worker;
    private final java.util.concurrent.ExecutorService sessionCleaner;
    private final Thread election;
    private final FencedLock lock;
    private volatile long epoch = -1;
    private volatile long activeSinceMs;
    private volatile boolean coldStart;
    private volatile boolean closed;
    private ScheduledFuture<?> reconciling;
    private long lastCpCleanupMs;

    Controller(HazelcastMember member, IAtomicReference<byte[]> shared, ITopic<Long> changes,
               Consumer<MetadataImage> onCommitted, boolean autoRebalance, Predicate<TopicImage> uncleanElection,
               long sessionTimeoutMs) {
        this.member = member;
        this.nodeId = member.nodeId();
        this.shared = shared;
        this.changes = changes;
        this.onCommitted = onCommitted;
        this.autoRebalance = autoRebalance;
        this.uncleanElection = uncleanElection;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.lock = member.instance().getCPSubsystem().getLock("weir-controller");
        this.worker = Executors.newSingleThreadScheduledExecutor(new NamedThreads("weir-controller-" + nodeId));
        this.sessionCleaner = Executors.newSingleThreadExecutor(new NamedThreads("weir-cp-sessions-" + nodeId));
        this.election = new Thread(this::campaign, "weir-controller-election-" + nodeId);
        this.election.setDaemon(true);
    }

    void start() {
        member.instance().getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                reconcileSoon();
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                log.info("cluster member {} left", event.getMember().getAddress());
                // Off Hazelcast's event thread: closing sessions is a CP call.
                sessionCleaner.execute(() -> member.closeCpSessionsOf(event.getMember().getAddress()));
                reconcileSoon();
            }
        });
        election.start();
    }

    boolean active() {
        return epoch >= 0;
    }

    /** Runs a broker's command on the controller thread; {@link NotControllerException} if not active. */
    Outcome execute(ControllerCommand command) {
        if (!active()) {
            throw new NotControllerException("broker " + nodeId + " is not the controller");
        }
        Future<Outcome> result = worker.submit(() -> apply(command));
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            result.cancel(true);
            throw new NotControllerException("the controller did not commit the change within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotControllerException("interrupted");
        }
    }

    private Outcome apply(ControllerCommand command) {
        long myEpoch = epoch;
        if (myEpoch < 0) {
            throw new NotControllerException("broker " + nodeId + " is no longer the controller");
        }
        long[] value = {0};
        List<ElectionResult> elections = new ArrayList<>();
        UnaryOperator<MetadataImage> change;
        if (command instanceof RegisterBroker r) {
            change = img -> MetadataChanges.registerBroker(img,
                    new BrokerInfo(r.nodeId(), r.host(), r.port(), r.rack(), r.incarnation()), uncleanElection);
        } else if (command instanceof CreateTopic c) {
            long seed = ThreadLocalRandom.current().nextLong();
            change = img -> MetadataChanges.createTopic(img, c.name(), Uuid.randomUuid(), c.partitions(),
                    c.replicationFactor(), c.configs(), seed);
        } else if (command instanceof DeleteTopic d) {
            change = img -> MetadataChanges.deleteTopic(img, d.name());
        } else if (command instanceof CreatePartitions p) {
            change = img -> MetadataChanges.createPartitions(img, p.name(), p.totalPartitions());
        } else if (command instanceof SetTopicConfigs s) {
            change = img -> MetadataChanges.setTopicConfigs(img, s.name(), s.configs());
        } else if (command instanceof AllocateProducerIds a) {
            change = img -> {
                MetadataChanges.Result<Long> result = MetadataChanges.allocateProducerIds(img, a.count());
                value[0] = result.value();
                return result.image();
            };
        } else if (command instanceof AlterPartition a) {
            change = img -> MetadataChanges.alterPartition(img, new TopicPartition(a.topic(), a.partition()),
                    a.leaderId(), a.leaderEpoch(), a.partitionEpoch(), a.isr());
        } else if (command instanceof ReassignPartition r) {
            change = img -> MetadataChanges.reassign(img, new TopicPartition(r.topic(), r.partition()),
                    r.targetReplicas());
        } else if (command instanceof ElectLeaders e) {
            Set<TopicPartition> partitions = e.partitions() == null ? null : new LinkedHashSet<>();
            if (e.partitions() != null) {
                e.partitions().forEach((topic, indexes) -> indexes.forEach(i -> partitions.add(new TopicPartition(topic, i))));
            }
            change = img -> {
                MetadataChanges.Result<List<ElectionResult>> result = MetadataChanges.electLeaders(img, e.unclean(), partitions);
                elections.clear(); // a compare-and-set conflict runs the change again: keep the last run's results
                elections.addAll(result.value());
                return result.image();
            };
        } else {
            throw new IllegalArgumentException("unknown controller command " + command);
        }
        // Every change is followed by a reconcile, so e.g. an ISR expansion can hand leadership back at once.
        MetadataImage committed = write(img -> reconciled(change.apply(img)), myEpoch);
        return new Outcome(committed.version(), value[0], elections);
    }

    private void reconcileSoon() {
        if (active()) {
            worker.execute(this::reconcile);
        }
    }

    private void reconcile() {
        long myEpoch = epoch;
        if (myEpoch < 0 || closed) {
            return;
        }
        try {
            write(this::reconciled, myEpoch);
            long now = System.currentTimeMillis();
            if (now - lastCpCleanupMs > 2_000) {
                lastCpCleanupMs = now;
                member.removeDepartedCpMembers();
            }
        } catch (RuntimeException e) {
            log.warn("controller reconcile failed: {}", e.toString());
        }
    }

    private MetadataImage reconciled(MetadataImage image) {
        Set<Integer> live = new HashSet<>(member.liveNodeIds());
        if (coldStart && System.currentTimeMillis() - activeSinceMs < sessionTimeoutMs) {
            // The first controller after a cold start of the whole cluster gives the brokers of the persisted
            // image time to come back before declaring them dead. A successor controller does not wait: its
            // predecessor's dead brokers are gone from the member list for good.
            live.addAll(image.brokers().keySet());
        }
        return MetadataChanges.reconcile(image, live, autoRebalance, uncleanElection);
    }

    /** Compare-and-set of the shared image, retried on conflict; refuses if a newer controller has written. */
    private MetadataImage write(UnaryOperator<MetadataImage> change, long myEpoch) {
        for (int attempt = 0; attempt < 10; attempt++) {
            byte[] bytes = shared.get();
            MetadataImage current = ImageCodec.decode(bytes);
            if (current.controllerEpoch() > myEpoch) {
                resign("controller epoch " + current.controllerEpoch() + " is newer than ours (" + myEpoch + ")");
                throw new NotControllerException("broker " + nodeId + " was deposed as controller");
            }
            MetadataImage changed = change.apply(current);
            if (changed == current && current.controllerEpoch() == myEpoch && current.controllerId() == nodeId) {
                return current;
            }
            MetadataImage next = changed.nextVersion(nodeId, myEpoch);
            if (shared.compareAndSet(bytes, ImageCodec.encode(next))) {
                onCommitted.accept(next);
                changes.publish(next.version());
                return next;
            }
        }
        throw new NotControllerException("the metadata kept changing under the controller; retry");
    }

    private void campaign() {
        while (!closed) {
            try {
                long fence = lock.tryLockAndGetFence(1, TimeUnit.SECONDS);
                if (fence == FencedLock.INVALID_FENCE) {
                    continue;
                }
                activate(fence);
                while (!closed && active() && lock.isLockedByCurrentThread()) {
                    Thread.sleep(RECONCILE_INTERVAL_MS);
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                if (!closed) {
                    log.info("controller election: {}", e.toString());
                    sleepQuietly(500);
                }
            } finally {
                if (active()) {
                    resign(closed ? "stopping" : "lost the controller lock");
                }
            }
        }
        try {
            if (lock.isLockedByCurrentThread()) {
                lock.unlock();
            }
        } catch (RuntimeException e) {
            log.debug("releasing the controller lock: {}", e.toString());
        }
    }

    private synchronized void activate(long fence) {
        activeSinceMs = System.currentTimeMillis();
        // A restored image names no controller (see HazelcastMetadataStore#seed): no controller has run since.
        coldStart = ImageCodec.decode(shared.get()).controllerId() < 0;
        epoch = fence;
        log.info("broker {} is the controller (epoch {})", nodeId, fence);
        reconciling = worker.scheduleWithFixedDelay(this::reconcile, 0, RECONCILE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private synchronized void resign(String why) {
        if (epoch < 0) {
            return;
        }
        log.info("broker {} resigns as controller (epoch {}): {}", nodeId, epoch, why);
        epoch = -1;
        if (reconciling != null) {
            reconciling.cancel(false);
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        resign("stopping");
        election.interrupt();
        try {
            election.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.shutdownNow();
        sessionCleaner.shutdownNow();
    }
}
