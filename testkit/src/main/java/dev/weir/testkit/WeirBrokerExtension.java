package dev.weir.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that runs a Weir broker ({@link #single()}) or an in-process cluster ({@link #cluster(int)})
 * over a fresh temporary directory for a test class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final WeirBrokerExtension kafka = WeirBrokerExtension.single();
 *
 * @Test
 * void roundTrip(EmbeddedBroker broker) { ... broker.producer(Map.of()) ... }
 * }</pre>
 *
 * <p>Registered on a static field (or with {@code @ExtendWith(WeirBrokerExtension.class)}, which gives a single
 * broker) it starts before all tests of the class and stops after all, then deletes its directory; registered on
 * an instance field it does so around each test. Test and lifecycle methods may declare a parameter of type
 * {@link EmbeddedBroker}, {@link EmbeddedCluster} (whichever this extension runs) or {@link KafkaEndpoint} (either)
 * to receive it. Brokers start through the component SPI, so log-server must be on the test class path.
 *
 * <p>Thread safety: JUnit drives it from one thread per class; do not share one instance across parallel classes.
 */
public final class WeirBrokerExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private final int clusterSize; // 0 for a single broker
    private final Map<String, String> overrides;
    private Path dir;
    private EmbeddedBroker broker;
    private EmbeddedCluster cluster;
    private String startedBy; // unique id of the extension context that started the broker(s)

    /** A single broker with the fixture's defaults (what {@code @ExtendWith(WeirBrokerExtension.class)} uses). */
    public WeirBrokerExtension() {
        this(0, Map.of());
    }

    private WeirBrokerExtension(int clusterSize, Map<String, String> overrides) {
        this.clusterSize = clusterSize;
        this.overrides = Map.copyOf(overrides);
    }

    /** One {@link EmbeddedBroker}. */
    public static WeirBrokerExtension single() {
        return single(Map.of());
    }

    /** One {@link EmbeddedBroker} with these broker configs over the fixture's defaults. */
    public static WeirBrokerExtension single(Map<String, String> overrides) {
        return new WeirBrokerExtension(0, overrides);
    }

    /** An {@link EmbeddedCluster} of {@code size} brokers (three or more: the cluster's metadata needs a quorum). */
    public static WeirBrokerExtension cluster(int size) {
        return cluster(size, Map.of());
    }

    /** An {@link EmbeddedCluster} of {@code size} brokers with these broker configs over the fixture's defaults. */
    public static WeirBrokerExtension cluster(int size, Map<String, String> overrides) {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least one broker, not " + size);
        }
        return new WeirBrokerExtension(size, overrides);
    }

    /** The single broker; fails if this extension runs a cluster or has not started. */
    public EmbeddedBroker broker() {
        if (broker == null) {
            throw new IllegalStateException(clusterSize > 0 ? "this extension runs a cluster: use cluster()"
                    : "the broker is not running (outside the test class's lifecycle?)");
        }
        return broker;
    }

    /** The cluster; fails if this extension runs a single broker or has not started. */
    public EmbeddedCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException(clusterSize == 0 ? "this extension runs a single broker: use broker()"
                    : "the cluster is not running (outside the test class's lifecycle?)");
        }
        return cluster;
    }

    /** The broker or the cluster, whichever this extension runs. */
    public KafkaEndpoint endpoint() {
        return clusterSize == 0 ? broker() : cluster();
    }

    public String bootstrap() {
        return endpoint().bootstrap();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        startIfStopped(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        startIfStopped(context); // no-op when started for the whole class
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stopIfStartedBy(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stopIfStartedBy(context);
    }

    private void startIfStopped(ExtensionContext context) {
        if (startedBy != null) {
            return; // nested classes and each test of a class-wide broker reuse it
        }
        try {
            dir = Files.createTempDirectory("weir-testkit-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            if (clusterSize == 0) {
                broker = new EmbeddedBroker(dir, overrides);
            } else {
                cluster = EmbeddedCluster.start(dir, clusterSize, overrides);
            }
        } catch (RuntimeException | Error e) {
            deleteRecursively(dir);
            throw e;
        }
        startedBy = context.getUniqueId();
    }

    private void stopIfStartedBy(ExtensionContext context) {
        if (!context.getUniqueId().equals(startedBy)) {
            return;
        }
        try {
            if (broker != null) {
                broker.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            broker = null;
            cluster = null;
            startedBy = null;
            deleteRecursively(dir);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == KafkaEndpoint.class
                || (clusterSize == 0 && type == EmbeddedBroker.class)
                || (clusterSize > 0 && type == EmbeddedCluster.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        if (startedBy == null) {
            throw new ParameterResolutionException("the Weir " + (clusterSize == 0 ? "broker" : "cluster")
                    + " is not running yet: register the extension on a static field to inject it into constructors"
                    + " or @BeforeAll methods");
        }
        return endpoint();
    }

    private static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temp directory left behind is harmless
                }
            });
        } catch (IOException ignored) {
            // best effort, as above
        }
    }
}
