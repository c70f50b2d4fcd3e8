package dev.weir.log.cluster.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.cp.IAtomicReference;
import com.hazelcast.topic.ITopic;
import dev.weir.log.cluster.BrokerInfo;
import dev.weir.log.cluster.ElectionResult;
import dev.weir.log.cluster.ImageCodec;
import dev.weir.log.cluster.ImageFile;
import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.MetadataStore;
import dev.weir.log.cluster.TopicImage;
import dev.weir.log.cluster.hazelcast.ControllerCommand.Outcome;
import dev.weir.log.config.BrokerConfig;
import dev.weir.common.concurrent.NamedThreads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InconsistentClusterIdException;
import org.apache.kafka.common.errors.NotControllerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata of a broker in a cluster. The image lives in the CP subsystem (an
 * {@link IAtomicReference} holding {@link ImageCodec} bytes) and only the {@link Controller} writes it;
 * this store forwards every change to the controller broker ({@link ControllerCall} through
 * Hazelcast's executor service) and returns once its own copy shows the change. New images reach
 * every broker through a notification topic and a 500 ms poll; each broker persists every image it
 * sees in its {@link ImageFile}, and on a cold start of the whole cluster (CP state lives only in
 * memory) the shared image is seeded from the newest persisted one.
 *
 * <p>Thread-safety: safe for concurrent use; images are applied in version order under a lock and
 * listeners are called in that order.
 */
public final class HazelcastMetadataStore implements MetadataStore {
    private static final Logger log = LoggerFactory.getLogger(HazelcastMetadataStore.class);
    private static final long CALL_DEADLINE_MS = 30_000;

    private final HazelcastMember member;
    private final ImageFile file;
    private final IAtomicReference<byte[]> shared;
    private final ITopic<Long> changes;
    private final IExecutorService calls;
    private final Controller controller;
    private final ScheduledExecutorService poller;
    private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image;
    private volatile BrokerInfo registered;

    private HazelcastMetadataStore(HazelcastMember member, ImageFile file, BrokerConfig config,
                                   Predicate<TopicImage> uncleanElection) {
        this.member = member;
        this.file = file;
        this.shared = member.instance().getCPSubsystem().getAtomicReference("weir-metadata");
        this.changes = member.instance().getTopic("weir-metadata-changes");
        this.calls = member.instance().getExecutorService("weir-controller-calls");
        this.image = seed(file.read().orElse(null));
        file.write(image);
        this.controller = new Controller(member, shared, changes, this::apply,
                config.getBoolean("auto.leader.rebalance.enable"), uncleanElection,
                config.getLong("broker.session.timeout.ms"));
        this.poller = Executors.newSingleThreadScheduledExecutor(new NamedThreads("weir-metadata-" + member.nodeId()));
    }

    /**
     * Joins the cluster and loads its metadata; blocks until the CP subsystem has formed.
     *
     * @param uncleanElection whether a topic allows an out-of-sync replica to lead
     */
    public static HazelcastMetadataStore start(BrokerConfig config, Path metadataDir,
                                               Predicate<TopicImage> uncleanElection) {
        HazelcastMember member = HazelcastMember.start(config);
        try {
            member.awaitCpDiscovery();
            HazelcastMetadataStore store = new HazelcastMetadataStore(member, new ImageFile(metadataDir), config,
                    uncleanElection);
            store.begin();
            return store;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            member.close();
            throw new IllegalStateException("interrupted while joining the cluster", e);
        } catch (RuntimeException e) {
            member.close();
            throw e;
        }
    }

    private void begin() {
        changes.addMessageListener(message -> poller.execute(this::refreshQuietly));
        poller.scheduleWithFixedDelay(this::refreshQuietly, 500, 500, TimeUnit.MILLISECONDS);
        poller.scheduleWithFixedDelay(member::ensureCpMembership, 1, 2, TimeUnit.SECONDS);
        poller.scheduleWithFixedDelay(this::reregisterIfDeclaredDead, 1, 1, TimeUnit.SECONDS);
        member.instance().getUserContext().put(Controller.CONTEXT_KEY, controller);
        controller.start();
    }

    /** Makes the shared image at least as new as this broker's persisted one (cold start of the cluster). */
    private MetadataImage seed(MetadataImage local) {
        while (true) {
            byte[] bytes = shared.get();
            if (bytes == null) {
                // A persisted image's controller epoch is a fence of the previous CP subsystem's lock; this
                // CP subsystem's lock counts afresh, so the seed names no controller.
                MetadataImage initial = local != null ? withController(local, -1, 0)
                        : MetadataImage.empty(Uuid.randomUuid().toString());
                if (shared.compareAndSet(null, ImageCodec.encode(initial))) {
                    log.info(local != null ? "seeded cluster metadata from the persisted image (version {})"
                            : "started a new cluster with empty metadata (version {})", initial.version());
                    return initial;
                }
                continue;
            }
            MetadataImage current = ImageCodec.decode(bytes);
            if (local != null && !local.clusterId().equals(current.clusterId())) {
                throw new InconsistentClusterIdException("the log dirs of broker " + member.nodeId()
                        + " belong to cluster " + local.clusterId() + ", but the running cluster is "
                        + current.clusterId() + "; point log.dirs at this cluster's data or use another cluster.name");
            }
            if (local != null && local.version() > current.version()) {
                // Keep the controller (and epoch) of this CP subsystem, or the controller would be fenced out.
                MetadataImage forward = withController(local, current.controllerId(), current.controllerEpoch());
                if (shared.compareAndSet(bytes, ImageCodec.encode(forward))) {
                    log.info("cluster metadata brought forward to the persisted image (version {} over {})",
                            local.version(), current.version());
                    return forward;
                }
                continue;
            }
            return current;
        }
    }

    private static MetadataImage withController(MetadataImage image, int controllerId, long controllerEpoch) {
        return new MetadataImage(image.clusterId(), controllerId, controllerEpoch, image.brokers(), image.topics(),
                image.nextProducerId(), image.version());
    }

    @Override
    public MetadataImage current() {
        return image;
    }

    @Override
    public boolean isolated() {
        return member.isolated();
    }

    public HazelcastMember member() {
        return member;
    }

    @Override
    public void registerBroker(BrokerInfo broker) {
        call(new ControllerCommand.RegisterBroker(broker.nodeId(), broker.host(), broker.port(), broker.rack(),
                member.incarnation()));
        registered = broker;
    }

    /**
     * A broker the controller declared dead while it was cut off (a network partition, a long pause) is
     * dropped from the image; when it is back in touch with a majority it registers again, or it could
     * never rejoin an ISR or be named to clients.
     */
    private void reregisterIfDeclaredDead() {
        BrokerInfo broker = registered;
        if (broker == null || member.isolated() || image.brokers().containsKey(broker.nodeId())) {
            return;
        }
        try {
            log.info("broker {} is missing from the cluster metadata (declared dead while cut off); registering again",
                    broker.nodeId());
            registerBroker(broker);
        } catch (RuntimeException e) {
            log.info("registering broker {} again failed, will retry: {}", broker.nodeId(), e.toString());
        }
    }

    @Override
    public TopicImage createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        call(new ControllerCommand.CreateTopic(name, partitions, replicationFactor, new HashMap<>(configs)));
        return image.topics().get(name);
    }

    @Override
    public void deleteTopic(String name) {
        call(new ControllerCommand.DeleteTopic(name));
    }

    @Override
    public TopicImage createPartitions(String name, int totalPartitions) {
        call(new ControllerCommand.CreatePartitions(name, totalPartitions));
        return image.topics().get(name);
    }

    @Override
    public TopicImage setTopicConfigs(String name, Map<String, String> configs) {
        call(new ControllerCommand.SetTopicConfigs(name, new HashMap<>(configs)));
        return image.topics().get(name);
    }

    @Override
    public long allocateProducerIds(int count) {
        return call(new ControllerCommand.AllocateProducerIds(count)).value();
    }

    @Override
    public void alterPartition(TopicPartition partition, int leaderId, int leaderEpoch, int partitionEpoch,
                               List<Integer> isr) {
        call(new ControllerCommand.AlterPartition(partition.topic(), partition.partition(), leaderId, leaderEpoch,
                partitionEpoch, new ArrayList<>(isr)));
    }

    @Override
    public void reassignPartition(TopicPartition partition, List<Integer> targetReplicas) {
        call(new ControllerCommand.ReassignPartition(partition.topic(), partition.partition(),
                targetReplicas == null ? null : new ArrayList<>(targetReplicas)));
    }

    @Override
    public Map<TopicPartition, Optional<ApiException>> electLeaders(boolean unclean, Set<TopicPartition> partitions) {
        HashMap<String, List<Integer>> byTopic = null;
        if (partitions != null) {
            byTopic = new HashMap<>();
            for (TopicPartition tp : partitions) {
                byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
            }
        }
        return ElectionResult.asMap(call(new ControllerCommand.ElectLeaders(unclean, byTopic)).elections());
    }

    @Override
    public void addListener(Consumer<MetadataImage> listener) {
        listeners.add(listener);
    }

    /** Sends a command to the controller (wherever it is), then waits until this broker's image holds it. */
    private Outcome call(ControllerCommand command) {
        long deadline = System.currentTimeMillis() + CALL_DEADLINE_MS;
        RuntimeException last = null;
        while (System.currentTimeMillis() < deadline) {
            MetadataImage img = image;
            try {
                Outcome outcome;
                if (img.controllerId() == member.nodeId() && controller.active()) {
                    outcome = controller.execute(command);
                } else {
                    Optional<Member> target = img.controllerId() < 0 ? Optional.empty() : member.member(img.controllerId());
                    if (target.isEmpty()) {
                        throw new NotControllerException("no controller is known yet");
                    }
                    outcome = calls.submitToMember(new ControllerCall(command), target.get())
                            .get(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS);
                }
                awaitVersion(outcome.version());
                return outcome;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof NotControllerException || cause instanceof HazelcastException) {
                    last = new NotControllerException(cause.getMessage());
                } else if (cause instanceof RuntimeException r) {
                    throw r;
                } else {
                    throw new IllegalStateException(cause);
                }
            } catch (NotControllerException | HazelcastException e) {
                last = e;
            } catch (TimeoutException e) {
                last = new NotControllerException("the controller did not answer");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NotControllerException("interrupted while waiting for the controller");
            }
            refreshQuietly();
            sleep(100);
        }
        throw new NotControllerException("no controller committed the change within " + CALL_DEADLINE_MS / 1000
                + " s (" + (last == null ? "unknown" : last.getMessage())
                + "); is a majority of the cluster's brokers running?");
    }

    private void awaitVersion(long version) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (image.version() < version && System.currentTimeMillis() < deadline) {
            refreshQuietly();
            if (image.version() < version) {
                sleep(10);
            }
        }
    }

    private void refreshQuietly() {
        try {
            byte[] bytes = shared.get();
            if (bytes != null) {
                apply(ImageCodec.decode(bytes));
            }
        } catch (RuntimeException e) {
            log.debug("cannot read cluster metadata: {}", e.toString());
        }
    }

    /** Applies a newer image: persist first, then publish, then tell listeners (in version order). */
    private synchronized void apply(MetadataImage next) {
        if (next.version() <= image.version()) {
            return;
        }
        file.write(next);
        image = next;
        for (Consumer<MetadataImage> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                log.error("metadata listener failed on version {}", next.version(), e);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        controller.close();
        poller.shutdownNow();
        listeners.clear();
        member.close();
    }

    /** Leaves the cluster abruptly, as a crash would (in-process tests). */
    public void crash() {
        controller.close();
        poller.shutdownNow();
        listeners.clear();
        member.terminate();
    }
}
