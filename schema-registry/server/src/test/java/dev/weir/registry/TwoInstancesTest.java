package dev.weir.registry;

import static dev.weir.registry.Http.record;
import static dev.weir.registry.Http.schemaBody;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two instances: one leader; writes sent to the follower are forwarded; the follower takes over. */
@Tag("process")
class TwoInstancesTest {
    @TempDir
    Path dir;

    @Test
    void followerForwardsWritesAndTakesOverWhenTheLeaderStops() {
        try (TestBroker broker = RegistryFixture.broker(dir);
             RegistryApp first = RegistryFixture.registry(broker, Map.of());
             RegistryApp second = RegistryFixture.registry(broker, Map.of())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.isLeader() != second.isLeader());
            RegistryApp leader = first.isLeader() ? first : second;
            RegistryApp follower = leader == first ? second : first;
            Http viaFollower = new Http(follower.url());

            Http.Resp r = viaFollower.post("/subjects/fwd-value/versions", schemaBody(record("F", "{\"name\":\"f\",\"type\":\"int\"}")));
            assertEquals(200, r.status(), r.body());
            int id = r.json().getInteger("id");
            assertEquals(id, new Http(leader.url()).get("/subjects/fwd-value/versions/1").json().getInteger("id"));
            assertEquals(id, viaFollower.get("/subjects/fwd-value/versions/1").json().getInteger("id"),
                    "the follower answers a forwarded write only once it has read it too");
            Http.Resp bad = viaFollower.post("/subjects/fwd-value/versions", schemaBody(record("F", "{\"name\":\"g\",\"type\":\"int\"}")));
            assertEquals(409, bad.status(), "errors from the leader come back as they are: " + bad.body());

            leader.close();
            // At once, in the leader gap: the follower still knows the old leader (refused) or none yet, and
            // waits for the next election (leader.wait.timeout.ms) instead of failing.
            Http.Resp after = viaFollower.post("/subjects/fwd2-value/versions", schemaBody(record("G", "{\"name\":\"g\",\"type\":\"int\"}")));
            assertEquals(200, after.status(), after.body());
            assertTrue(follower.isLeader());
            int id2 = after.json().getInteger("id");
            assertNotEquals(id, id2);
            assertTrue(id2 > id);
            assertFalse(leader.isLeader());
        }
    }

    /** Starts bin/weir registry's main class in its own JVM (so it can be killed with SIGKILL). */
    private static Process launchRegistryProcess(TestBroker broker) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--override", "listeners=http://127.0.0.1:0",
                "--override", "kafkastore.bootstrap.servers=" + broker.bootstrap())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Reads the process's ready line and returns the URL it names. */
    private static String awaitReadyUrl(Process p) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        while (ready != null && !ready.startsWith("Weir schema registry")) {
            ready = out.readLine(); // logback's status lines (two logback configs on the test classpath)
        }
        assertTrue(ready != null && ready.startsWith("Weir schema registry ready on http://"), String.valueOf(ready));
        return ready.split(" ")[5];
    }

    /** The leader is a separate JVM (bin/weir registry's main class) killed with SIGKILL: no goodbye to the group. */
    @Test
    void followerTakesOverWhenTheLeaderProcessIsKilled() throws Exception {
        try (TestBroker broker = RegistryFixture.broker(dir)) {
            Process leaderProcess = launchRegistryProcess(broker);
            try {
                String leaderUrl = awaitReadyUrl(leaderProcess);
                try (RegistryApp follower = RegistryFixture.registry(broker, Map.of())) {
                    assertFalse(follower.isLeader(), "the first instance stays leader");
                    Http viaFollower = new Http(follower.url());
                    Http.Resp r = viaFollower.post("/subjects/k-value/versions", schemaBody(record("K", "{\"name\":\"k\",\"type\":\"int\"}")));
                    assertEquals(200, r.status(), r.body());
                    assertEquals(200, new Http(leaderUrl).get("/subjects/k-value/versions/1").status());

                    leaderProcess.destroyForcibly().waitFor();
                    await().atMost(Duration.ofSeconds(40)).until(follower::isLeader);
                    Http.Resp after = viaFollower.post("/subjects/k2-value/versions", schemaBody(record("K2", "{\"name\":\"k\",\"type\":\"int\"}")));
                    assertEquals(200, after.status(), after.body());
                    assertTrue(after.json().getInteger("id") > r.json().getInteger("id"));
                }
            } finally {
                leaderProcess.destroyForcibly();
            }
        }
    }

    /**
     * A killed leader is replaced only after the group's session timeout (10 s). A write sent to a follower in
     * that gap waits for the next leader (here up to 30 s) and succeeds; with a short bound (1 s) it fails after
     * the bound with Confluent's 50004, naming the config.
     */
    @Test
    void writesInALeaderGapWaitBoundedForTheNextLeader() throws Exception {
        try (TestBroker broker = RegistryFixture.broker(dir)) {
            Process leaderProcess = launchRegistryProcess(broker);
            try {
                awaitReadyUrl(leaderProcess);
                try (RegistryApp impatient = RegistryFixture.registry(broker, Map.of(RegistryConfig.LEADER_WAIT_MS, "1000"));
                     RegistryApp patient = RegistryFixture.registry(broker, Map.of(RegistryConfig.LEADER_WAIT_MS, "30000"))) {
                    assertFalse(impatient.isLeader() || patient.isLeader(), "the first instance stays leader");
                    leaderProcess.destroyForcibly().waitFor();

                    long sent = System.nanoTime();
                    Http.Resp failed = new Http(impatient.url()).post("/subjects/gap-value/versions",
                            schemaBody(record("Gap", "{\"name\":\"a\",\"type\":\"int\"}")));
                    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                    assertEquals(500, failed.status(), failed.body());
                    assertEquals(50004, failed.errorCode(), failed.body());
                    assertTrue(failed.json().getString("message").contains(RegistryConfig.LEADER_WAIT_MS), failed.body());
                    assertTrue(waitedMs >= 1000, "answered after the bound, not at once: " + waitedMs + " ms");

                    assertFalse(impatient.isLeader() || patient.isLeader(), "still in the gap (session timeout 10 s)");
                    Http.Resp waited = new Http(patient.url()).post("/subjects/gap-value/versions",
                            schemaBody(record("Gap", "{\"name\":\"a\",\"type\":\"int\"}")));
                    assertEquals(200, waited.status(), waited.body());
                    assertTrue(impatient.isLeader() || patient.isLeader(), "written by the next leader");
                }
            } finally {
                leaderProcess.destroyForcibly();
            }
        }
    }
}
