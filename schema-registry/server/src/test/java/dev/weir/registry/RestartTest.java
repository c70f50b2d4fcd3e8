package dev.weir.registry;

import static dev.weir.registry.Http.record;
import static dev.weir.registry.Http.schemaBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schemas, ids, deletes, configs and modes survive a restart of the registry and of the broker. */
@Tag("fast")
class RestartTest {
    @TempDir
    Path dir;

    @Test
    void stateIsRebuiltFromTheStoreTopic() throws Exception {
        try (TestBroker broker = RegistryFixture.broker(dir)) {
            Map<String, String> cfg = Map.of("kafkastore.topic", "_my_schemas");
            int idA;
            int idB;
            try (RegistryApp app = RegistryFixture.registry(broker, cfg)) {
                Http http = new Http(app.url());
                idA = http.post("/subjects/a-value/versions", schemaBody(record("A", "{\"name\":\"a\",\"type\":\"int\"}"))).json().getInteger("id");
                idB = http.post("/subjects/b-value/versions", schemaBody(record("B", "{\"name\":\"b\",\"type\":\"int\"}"))).json().getInteger("id");
                http.post("/subjects/b-value/versions", schemaBody(record("B", "{\"name\":\"b\",\"type\":\"int\"}",
                        "{\"name\":\"c\",\"type\":\"int\",\"default\":1}")));
                http.delete("/subjects/b-value/versions/2");
                http.put("/config", new JsonObject().put("compatibility", "FULL"));
                http.put("/config/a-value", new JsonObject().put("compatibility", "NONE"));
                http.put("/mode/b-value", new JsonObject().put("mode", "READONLY"));
            }
            try (Admin admin = broker.admin()) {
                TopicDescription d = admin.describeTopics(java.util.List.of("_my_schemas")).allTopicNames().get().get("_my_schemas");
                assertEquals(1, d.partitions().size());
                var res = new ConfigResource(ConfigResource.Type.TOPIC, "_my_schemas");
                assertEquals("compact", admin.describeConfigs(java.util.List.of(res)).all().get().get(res).get("cleanup.policy").value());
            }
            broker.restart();
            try (RegistryApp app = RegistryFixture.registry(broker, cfg)) {
                Http http = new Http(app.url());
                assertEquals(new JsonArray().add("a-value").add("b-value"), http.get("/subjects").array());
                assertEquals(idA, http.get("/subjects/a-value/versions/1").json().getInteger("id"));
                assertEquals(idB, http.get("/subjects/b-value/versions/1").json().getInteger("id"));
                assertEquals(new JsonArray().add(1), http.get("/subjects/b-value/versions").array());
                assertEquals(new JsonArray().add(1).add(2), http.get("/subjects/b-value/versions?deleted=true").array());
                assertEquals("FULL", http.get("/config").json().getString("compatibilityLevel"));
                assertEquals("NONE", http.get("/config/a-value").json().getString("compatibilityLevel"));
                assertEquals("READONLY", http.get("/mode/b-value").json().getString("mode"));
                int idA2 = http.post("/subjects/a2-value/versions", schemaBody(record("A", "{\"name\":\"a\",\"type\":\"int\"}"))).json().getInteger("id");
                assertEquals(idA, idA2, "the same schema keeps its id after a restart");
                int idC = http.post("/subjects/c-value/versions", schemaBody(record("C"))).json().getInteger("id");
                assertTrue(idC > Math.max(idA, idB) + 1, "new ids continue after every id ever given: " + idC);
            }
        }
    }
}
