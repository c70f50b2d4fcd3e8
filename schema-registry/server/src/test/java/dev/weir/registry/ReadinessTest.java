package dev.weir.registry;

import static dev.weir.registry.Http.record;
import static dev.weir.registry.Http.schemaBody;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ready means ready: the registry's port accepts connections only once a write succeeds (issue 10, item 3),
 * and {@code GET /health} says so.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("fast")
class ReadinessTest {
    @TempDir
    Path dir;

    private final ExecutorService starter = Executors.newSingleThreadExecutor(r -> new Thread(r, "registry-starter"));

    @AfterEach
    void stopStarter() {
        starter.shutdownNow();
    }

    /**
     * Starts the registry on a background thread against a fresh broker, watches its (fixed) port, and writes
     * a schema the instant a TCP connect succeeds. Repeated, since a start that is "usually" ready is the bug.
     */
    @RepeatedTest(5)
    void aWriteTheInstantThePortAcceptsSucceeds() throws Exception {
        try (TestBroker broker = RegistryFixture.broker(dir)) {
            int port = freePort();
            CompletableFuture<RegistryApp> started = CompletableFuture.supplyAsync(() -> RegistryFixture.registry(broker,
                    Map.of("listeners", "http://127.0.0.1:" + port)), starter);
            try {
                await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                        .failFast("the registry failed to start", started::isCompletedExceptionally)
                        .until(() -> accepts(port));
                Http.Resp r = new Http("http://127.0.0.1:" + port).post("/subjects/ready-value/versions",
                        schemaBody(record("Ready", "{\"name\":\"a\",\"type\":\"int\"}")));
                assertEquals(200, r.status(), r.body());
                assertEquals(1, r.json().getInteger("id"), "the first schema of a fresh store");
            } finally {
                started.get(60, TimeUnit.SECONDS).close();
            }
        }
    }

    @Test
    void healthIsUpOnceStartedAndTheRootKeepsConfluentsAnswer() {
        try (TestBroker broker = RegistryFixture.broker(dir);
             RegistryApp registry = RegistryFixture.registry(broker, Map.of())) {
            Http http = new Http(registry.url());
            Http.Resp health = http.get("/health");
            assertEquals(200, health.status(), health.body());
            assertEquals("UP", health.json().getString("status"));
            assertTrue(health.contentType().startsWith("application/json"), health.contentType());
            Http.Resp root = http.get("/");
            assertEquals(200, root.status());
            assertEquals("{}", root.body());
            assertTrue(registry.isLeader(), "a single instance has become the leader before start returns");
        }
    }

    @Test
    void aTakenPortFailsTheStartNamingIt() throws Exception {
        try (TestBroker broker = RegistryFixture.broker(dir);
             ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            dev.weir.common.launcher.StartupException e = assertThrows(dev.weir.common.launcher.StartupException.class,
                    () -> RegistryFixture.registry(broker, Map.of("listeners", "http://127.0.0.1:" + taken.getLocalPort())));
            assertTrue(e.getMessage().contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use"), e.getMessage());
            assertTrue(e.getMessage().contains(RegistryConfig.LISTENERS), e.getMessage());
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
