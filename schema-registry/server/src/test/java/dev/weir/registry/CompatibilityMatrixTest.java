package dev.weir.registry;

import static dev.weir.registry.Http.record;
import static dev.weir.registry.Http.schemaBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For every level, typical evolutions accepted or rejected as Avro's rules say, through the REST API
 * (compatibility endpoint with {@code verbose=true}, then a real registration), with the field named.
 */
@Tag("fast")
class CompatibilityMatrixTest {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static RegistryApp app;
    static Http http;

    /** old -> new; backwardOk: new reads old's data; forwardOk: old reads new's data; field: named when broken. */
    record Evolution(String name, String oldSchema, String newSchema, boolean backwardOk, boolean forwardOk, String field) {
    }

    static final String NAME = "{\"name\":\"name\",\"type\":\"string\"}";
    static final List<Evolution> EVOLUTIONS = List.of(
            new Evolution("add-field-with-default", record("P", NAME),
                    record("P", NAME, "{\"name\":\"age\",\"type\":\"int\",\"default\":0}"), true, true, "age"),
            new Evolution("add-field-without-default", record("P", NAME),
                    record("P", NAME, "{\"name\":\"email\",\"type\":\"string\"}"), false, true, "email"),
            new Evolution("remove-field", record("P", NAME, "{\"name\":\"email\",\"type\":\"string\"}"),
                    record("P", NAME), true, false, "email"),
            new Evolution("change-type", record("P", NAME, "{\"name\":\"zip\",\"type\":\"string\"}"),
                    record("P", NAME, "{\"name\":\"zip\",\"type\":\"boolean\"}"), false, false, "zip"),
            new Evolution("promote-int-to-long", record("P", "{\"name\":\"count\",\"type\":\"int\"}"),
                    record("P", "{\"name\":\"count\",\"type\":\"long\"}"), true, false, "count"),
            new Evolution("rename-with-alias", record("P", NAME),
                    record("P", "{\"name\":\"fullName\",\"type\":\"string\",\"aliases\":[\"name\"]}"), true, false, "name"),
            new Evolution("add-enum-symbol",
                    record("P", "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"A\",\"B\"]}}"),
                    record("P", "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"A\",\"B\",\"C\"]}}"),
                    true, false, "kind"));

    @BeforeAll
    static void start() {
        broker = RegistryFixture.broker(dir);
        app = RegistryFixture.registry(broker, Map.of());
        http = new Http(app.url());
    }

    @AfterAll
    static void stop() {
        app.close();
        broker.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (CompatibilityLevel level : CompatibilityLevel.values()) {
            for (Evolution e : EVOLUTIONS) {
                out.add(Arguments.of(level, e));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void evolution(CompatibilityLevel level, Evolution e) {
        String subject = "m-" + level.name().toLowerCase(Locale.ROOT) + "-" + e.name();
        assertEquals(200, http.put("/config/" + subject, new JsonObject().put("compatibility", level.name())).status());
        assertEquals(200, http.post("/subjects/" + subject + "/versions", schemaBody(e.oldSchema())).status());

        boolean expected = (!level.backward() || e.backwardOk()) && (!level.forward() || e.forwardOk());
        JsonObject check = http.post("/compatibility/subjects/" + subject + "/versions/latest?verbose=true",
                schemaBody(e.newSchema())).json();
        assertEquals(expected, check.getBoolean("is_compatible"), check.encode());

        Http.Resp reg = http.post("/subjects/" + subject + "/versions", schemaBody(e.newSchema()));
        if (expected) {
            assertEquals(200, reg.status(), reg.body());
        } else {
            assertEquals(409, reg.status(), reg.body());
            assertEquals(409, reg.errorCode());
            String msg = reg.json().getString("message");
            assertTrue(msg.contains("'" + e.field() + "'"), "names the field: " + msg);
            String rule = !e.backwardOk() && level.backward() ? "BACKWARD" : "FORWARD";
            assertTrue(msg.contains(rule), "names the rule: " + msg);
            assertTrue(check.getJsonArray("messages").encode().contains(e.field()), check.encode());
        }
    }

    /** v1 {x:int}, v2 {} , v3 {x:string=""}: v3 reads v2 but not v1. */
    @Test
    void transitiveLevelsCheckEveryVersion() {
        String v1 = record("T", "{\"name\":\"x\",\"type\":\"int\"}");
        String v2 = record("T");
        String v3 = record("T", "{\"name\":\"x\",\"type\":\"string\",\"default\":\"\"}");
        for (String level : List.of("BACKWARD", "BACKWARD_TRANSITIVE")) {
            String subject = "trans-" + level.toLowerCase(Locale.ROOT);
            http.put("/config/" + subject, new JsonObject().put("compatibility", level));
            assertEquals(200, http.post("/subjects/" + subject + "/versions", schemaBody(v1)).status());
            assertEquals(200, http.post("/subjects/" + subject + "/versions", schemaBody(v2)).status());
            Http.Resp r = http.post("/subjects/" + subject + "/versions", schemaBody(v3));
            if (level.equals("BACKWARD")) {
                assertEquals(200, r.status(), r.body());
            } else {
                assertEquals(409, r.status(), r.body());
                assertTrue(r.json().getString("message").contains("version 1"), r.body());
                assertTrue(r.json().getString("message").contains("'x'"), r.body());
            }
        }
    }
}
