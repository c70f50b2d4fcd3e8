package dev.weir.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir registry}'s main class in its own JVM: one ready line, clean stop on SIGTERM, config errors. */
@Tag("process")
class LauncherTest {
    @TempDir
    Path dir;

    private static Process launch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Test
    void readyLineThenCleanStopOnSigterm() throws Exception {
        try (TestBroker broker = RegistryFixture.broker(dir.resolve("broker"))) {
            Path config = dir.resolve("registry.properties");
            Files.writeString(config, "listeners=http://127.0.0.1:0\nkafkastore.topic=_from_file\n");
            Process p = launch("--config", config.toString(), "--override", "kafkastore.bootstrap.servers=" + broker.bootstrap());
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                List<String> ours = new ArrayList<>();
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("Weir schema registry")) {
                        ours.add(line);
                        if (line.contains(" ready on ")) {
                            p.toHandle().destroy(); // SIGTERM, keeping our end of stdout open
                        }
                    }
                }
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
                assertEquals(2, ours.size(), ours.toString());
                assertTrue(ours.get(0).contains("kafkastore.topic=_from_file"), ours.get(0));
                assertEquals("Weir schema registry stopped", ours.get(1));
                assertEquals(143, p.exitValue(), "the JVM exits with 128+SIGTERM after the shutdown hook ran");
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void configErrorsNameTheFix() throws Exception {
        Process p = launch("--override", "listeners=http://127.0.0.1:0");
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        Process q = launch("--override", "noequals");
        assertTrue(q.waitFor(20, TimeUnit.SECONDS));
        assertTrue(q.exitValue() != 0);
    }
}
