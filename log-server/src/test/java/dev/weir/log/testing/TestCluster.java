package dev.weir.log.testing;

import dev.weir.common.launcher.Component;
import dev.weir.log.cluster.MetadataImage;
import dev.weir.log.cluster.PartitionImage;
import dev.weir.log.server.BrokerComponentFactory.BrokerComponent;
import dev.weir.log.server.WeirBroker;
import dev.weir.testkit.EmbeddedCluster;
import java.nio.file.Path;
import java.util.Map;

/**
 * The testkit's {@link EmbeddedCluster} (in-process brokers numbered from 1, with kill/stop/restart and clients)
 * plus the brokers' internals (their {@link WeirBroker}s and metadata images), for log-server's own tests. It
 * waits for registration on the brokers' metadata images rather than through DescribeCluster.
 */
public final class TestCluster extends EmbeddedCluster {

    private TestCluster(Path dir, int size, Map<String, String> overrides) {
        super(dir, size, overrides);
    }

    /** Starts {@code size} brokers together (the CP subsystem forms once three have met) and waits until all registered. */
    public static TestCluster start(Path dir, int size, Map<String, String> overrides) {
        return start(dir, size, size, overrides);
    }

    /** See {@link EmbeddedCluster#start(Path, int, int, Map)}. */
    public static TestCluster start(Path dir, int totalBrokers, int initiallyRunning, Map<String, String> overrides) {
        TestCluster cluster = new TestCluster(dir, totalBrokers, overrides);
        cluster.startBrokers(initiallyRunning);
        return cluster;
    }

    /** Broker {@code node}, or null while it is stopped or killed. */
    public WeirBroker broker(int node) {
        Component c = component(node);
        return c == null ? null : ((BrokerComponent) c).broker();
    }

    /** The newest metadata image any running broker has. */
    public MetadataImage image() {
        MetadataImage newest = null;
        for (int i = 1; i <= size(); i++) {
            WeirBroker b = broker(i);
            if (b != null) {
                MetadataImage img = b.metadata().current();
                if (newest == null || img.version() > newest.version()) {
                    newest = img;
                }
            }
        }
        return newest;
    }

    public PartitionImage partition(String topic, int partition) {
        return image().topic(topic).orElseThrow().partitions().get(partition);
    }

    /** A topic with replication factor 3; see {@link #createTopic(String, int, int, Map)}. */
    public void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
        createTopic(name, partitions, 3, configs);
    }

    @Override
    protected boolean allRunningBrokersSee(int count) {
        for (int i = 1; i <= size(); i++) {
            WeirBroker b = broker(i);
            if (b != null && b.metadata().current().brokers().size() != count) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected boolean isRegistered(int node) {
        MetadataImage image = image();
        return image != null && image.brokers().containsKey(node);
    }
}
