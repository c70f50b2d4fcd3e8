package dev.weir.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.testkit.EmbeddedBroker;
import dev.weir.testkit.EmbeddedRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The testkit's EmbeddedRegistry, as other modules' tests use it: it finds this module's registry by name, serves
 * writes as soon as it is constructed, and keeps its port and schemas across a restart.
 */
@Tag("fast")
class EmbeddedRegistryTest {
    @TempDir
    Path dir;

    @Test
    void startsByNameServesAtOnceAndKeepsSchemasAcrossARestart() {
        String schema = "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}";
        try (EmbeddedBroker broker = new EmbeddedBroker(dir, Map.of("group.initial.rebalance.delay.ms", "0"));
             EmbeddedRegistry registry = new EmbeddedRegistry(broker.bootstrap())) {
            Http http = new Http(registry.url());
            Http.Resp created = http.post("/subjects/orders-value/versions", new JsonObject().put("schema", schema));
            assertEquals(200, created.status(), created.body());
            int id = created.json().getInteger("id");

            String before = registry.url();
            registry.restart();
            assertEquals(before, registry.url(), "same port after a restart");
            Http.Resp read = new Http(registry.url()).get("/schemas/ids/" + id);
            assertEquals(200, read.status(), read.body());
            assertEquals(new JsonObject(schema), new JsonObject(read.json().getString("schema")));
        }
    }
}
