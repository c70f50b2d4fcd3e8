package dev.weir.registry;

import static dev.weir.registry.Http.record;
import static dev.weir.registry.Http.schemaBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.log.testing.TestBroker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint and its error cases, over real HTTP, against a registry on a real in-process broker. */
@Tag("fast")
class RestApiTest {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static RegistryApp app;
    static Http http;

    static final String USER_V1 = record("User", "{\"name\":\"name\",\"type\":\"string\"}");
    static final String USER_V2 = record("User", "{\"name\":\"name\",\"type\":\"string\"}",
            "{\"name\":\"age\",\"type\":\"int\",\"default\":0}");
    static final String USER_BAD = record("User", "{\"name\":\"name\",\"type\":\"string\"}",
            "{\"name\":\"email\",\"type\":\"string\"}");

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

    static int register(String subject, String schema) {
        Http.Resp r = http.post("/subjects/" + subject + "/versions", schemaBody(schema));
        assertEquals(200, r.status(), r.body());
        return r.json().getInteger("id");
    }

    @Test
    void registerGetAndListVersions() {
        int id = register("reg-value", USER_V1);
        assertEquals(id, register("reg-value", USER_V1), "registering again returns the same id");
        int id2 = register("reg-value", USER_V2);
        assertTrue(id2 > id);

        Http.Resp versions = http.get("/subjects/reg-value/versions");
        assertEquals(200, versions.status());
        assertEquals(Http.CT, versions.contentType());
        assertEquals(new JsonArray().add(1).add(2), versions.array());

        JsonObject v1 = http.get("/subjects/reg-value/versions/1").json();
        assertEquals("reg-value", v1.getString("subject"));
        assertEquals(1, v1.getInteger("version"));
        assertEquals(id, v1.getInteger("id"));
        assertEquals(USER_V1, v1.getString("schema"));
        assertEquals(2, http.get("/subjects/reg-value/versions/latest").json().getInteger("version"));
        assertEquals(2, http.get("/subjects/reg-value/versions/-1").json().getInteger("version"));

        Http.Resp raw = http.get("/subjects/reg-value/versions/2/schema");
        assertEquals(200, raw.status());
        assertEquals(new JsonObject(USER_V2), new JsonObject(raw.body()));

        assertTrue(http.get("/subjects").array().contains("reg-value"));
        assertEquals(new JsonArray().add("AVRO"), http.get("/schemas/types").array());
    }

    @Test
    void sameSchemaSameIdUnderAnySubjectWhateverTheWhitespace() {
        int a = register("ident-a", record("Ident", "{\"name\":\"x\",\"type\":\"long\"}"));
        String spaced = "{ \"namespace\" : \"test\", \"type\": \"record\", \"name\": \"Ident\",\n \"fields\": [ {\"type\":\"long\", \"name\":\"x\"} ] }";
        int b = register("ident-b", spaced);
        assertEquals(a, b);
        assertEquals(new JsonArray().add("ident-a").add("ident-b"), http.get("/schemas/ids/" + a + "/subjects").array());
        assertEquals(new JsonArray().add(new JsonObject().put("subject", "ident-a").put("version", 1))
                .add(new JsonObject().put("subject", "ident-b").put("version", 1)), http.get("/schemas/ids/" + a + "/versions").array());
        assertEquals(spaced, http.get("/subjects/ident-b/versions/1").json().getString("schema"), "stored as sent");
    }

    @Test
    void schemasById() {
        int id = register("byid-value", USER_V1);
        Http.Resp r = http.get("/schemas/ids/" + id);
        assertEquals(200, r.status());
        assertEquals(USER_V1, r.json().getString("schema"));
        assertEquals(new JsonObject(USER_V1), new JsonObject(http.get("/schemas/ids/" + id + "/schema").body()));

        Http.Resp missing = http.get("/schemas/ids/999999");
        assertEquals(404, missing.status());
        assertEquals(40403, missing.errorCode());
        assertEquals(40403, http.get("/schemas/ids/999999/schema").errorCode());
        assertEquals(40403, http.get("/schemas/ids/999999/subjects").errorCode());
        assertEquals(40403, http.get("/schemas/ids/999999/versions").errorCode());
        assertEquals(40403, http.get("/schemas/ids/abc").errorCode());
    }

    @Test
    void lookupIsThisSchemaRegistered() {
        int id = register("lookup-value", USER_V1);
        Http.Resp r = http.post("/subjects/lookup-value", schemaBody(USER_V1));
        assertEquals(200, r.status(), r.body());
        assertEquals(id, r.json().getInteger("id"));
        assertEquals(1, r.json().getInteger("version"));
        assertEquals("lookup-value", r.json().getString("subject"));

        Http.Resp notThere = http.post("/subjects/lookup-value", schemaBody(USER_V2));
        assertEquals(404, notThere.status());
        assertEquals(40403, notThere.errorCode());
        Http.Resp noSubject = http.post("/subjects/lookup-nobody", schemaBody(USER_V1));
        assertEquals(404, noSubject.status());
        assertEquals(40401, noSubject.errorCode());
    }

    @Test
    void softDeleteHidesVersionButIdResolvesThenPermanentDelete() {
        int id1 = register("del-value", USER_V1);
        register("del-value", USER_V2);

        Http.Resp permanentFirst = http.delete("/subjects/del-value/versions/1?permanent=true");
        assertEquals(404, permanentFirst.status());
        assertEquals(40407, permanentFirst.errorCode());

        Http.Resp soft = http.delete("/subjects/del-value/versions/1");
        assertEquals(200, soft.status(), soft.body());
        assertEquals("1", soft.body());
        assertEquals(new JsonArray().add(2), http.get("/subjects/del-value/versions").array());
        assertEquals(new JsonArray().add(1).add(2), http.get("/subjects/del-value/versions?deleted=true").array());
        assertEquals(40402, http.get("/subjects/del-value/versions/1").errorCode());
        assertEquals(200, http.get("/subjects/del-value/versions/1?deleted=true").status());
        assertEquals(200, http.get("/schemas/ids/" + id1).status(), "a soft-deleted version's id still resolves");
        assertEquals(40406, http.delete("/subjects/del-value/versions/1").errorCode());

        assertEquals("1", http.delete("/subjects/del-value/versions/1?permanent=true").body());
        assertEquals(new JsonArray().add(2), http.get("/subjects/del-value/versions?deleted=true").array());

        assertEquals(40405, http.delete("/subjects/del-value?permanent=true").errorCode());
        Http.Resp subj = http.delete("/subjects/del-value");
        assertEquals(200, subj.status());
        assertEquals(new JsonArray().add(2), subj.array());
        assertFalse(http.get("/subjects").array().contains("del-value"));
        assertTrue(http.get("/subjects?deleted=true").array().contains("del-value"));
        assertEquals(40401, http.get("/subjects/del-value/versions").errorCode());
        assertEquals(40404, http.delete("/subjects/del-value").errorCode());
        assertEquals(new JsonArray().add(2), http.delete("/subjects/del-value?permanent=true").array());
        assertFalse(http.get("/subjects?deleted=true").array().contains("del-value"));

        int reRegistered = register("del-value", USER_V1);
        assertTrue(reRegistered > id1 || reRegistered == id1, "same schema may keep its id, never reuses another");
    }

    @Test
    void idsAreNeverReusedAfterPermanentDelete() {
        int id = register("reuse-value", record("Reuse", "{\"name\":\"a\",\"type\":\"string\"}"));
        http.delete("/subjects/reuse-value");
        http.delete("/subjects/reuse-value?permanent=true");
        assertEquals(40403, http.get("/schemas/ids/" + id).errorCode());
        int next = register("reuse-value2", record("Reuse2", "{\"name\":\"b\",\"type\":\"string\"}"));
        assertTrue(next > id, next + " > " + id);
    }

    @Test
    void errorCases() {
        Http.Resp unknownSubject = http.get("/subjects/nobody/versions");
        assertEquals(404, unknownSubject.status());
        assertEquals(40401, unknownSubject.errorCode());
        assertTrue(unknownSubject.json().getString("message").contains("nobody"));
        assertEquals(40401, http.get("/subjects/nobody/versions/1").errorCode());
        assertEquals(40401, http.delete("/subjects/nobody").errorCode());
        assertEquals(40401, http.delete("/subjects/nobody/versions/1").errorCode());

        register("err-value", USER_V1);
        assertEquals(40402, http.get("/subjects/err-value/versions/7").errorCode());
        assertEquals(40402, http.delete("/subjects/err-value/versions/7").errorCode());
        for (String bad : List.of("0", "-2", "abc", "1.5")) {
            Http.Resp r = http.get("/subjects/err-value/versions/" + bad);
            assertEquals(422, r.status(), bad);
            assertEquals(42202, r.errorCode(), bad);
        }
        assertEquals(42202, http.delete("/subjects/err-value/versions/abc").errorCode());
        assertEquals(404, http.get("/no/such/path").status());
    }

    @Test
    void badInputLeavesTheStoreUnchanged() {
        register("bad-value", USER_V1);
        List<Object> subjectsBefore = http.get("/subjects?deleted=true").array().getList();

        Http.Resp malformed = http.post("/subjects/bad-value/versions", "{\"schema\": ");
        assertEquals(400, malformed.status());
        assertEquals(400, malformed.errorCode());

        Http.Resp notAvro = http.post("/subjects/bad-value/versions", schemaBody("{\"type\":\"record\",\"name\":\"X\"}"));
        assertEquals(422, notAvro.status());
        assertEquals(42201, notAvro.errorCode());
        Http.Resp badType = http.post("/subjects/bad-value/versions", schemaBody("{\"type\":\"strin\"}"));
        assertEquals(42201, badType.errorCode());
        Http.Resp noSchema = http.post("/subjects/bad-value/versions", new JsonObject().put("foo", 1));
        assertEquals(42201, noSchema.errorCode());
        Http.Resp protobuf = http.post("/subjects/bad-value/versions", schemaBody("syntax = \"proto3\";").put("schemaType", "PROTOBUF"));
        assertEquals(42201, protobuf.errorCode());
        Http.Resp notJsonSchema = http.post("/subjects/new-bad-value/versions", schemaBody("not json at all"));
        assertEquals(42201, notJsonSchema.errorCode());

        StringBuilder big = new StringBuilder("{\"type\":\"record\",\"name\":\"Big\",\"doc\":\"");
        while (big.length() < 10 * 1024 * 1024) {
            big.append("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        }
        big.append("\",\"fields\":[]}");
        Http.Resp tooBig = http.post("/subjects/big-value/versions", schemaBody(big.toString()));
        assertEquals(422, tooBig.status());
        assertEquals(42201, tooBig.errorCode());
        assertTrue(tooBig.json().getString("message").contains("schema.max.bytes"), tooBig.body());

        assertEquals(new JsonArray().add(1), http.get("/subjects/bad-value/versions").array());
        assertEquals(subjectsBefore, http.get("/subjects?deleted=true").array().getList());
    }

    @Test
    void incompatibleSchemaIsRejectedWith409NamingTheField() {
        register("compat-value", USER_V1);
        Http.Resp r = http.post("/subjects/compat-value/versions", schemaBody(USER_BAD));
        assertEquals(409, r.status(), r.body());
        assertEquals(409, r.errorCode());
        String msg = r.json().getString("message");
        assertTrue(msg.contains("email") && msg.contains("READER_FIELD_MISSING_DEFAULT_VALUE") && msg.contains("BACKWARD"), msg);
        assertEquals(new JsonArray().add(1), http.get("/subjects/compat-value/versions").array());

        JsonObject ok = http.post("/compatibility/subjects/compat-value/versions/latest", schemaBody(USER_V2)).json();
        assertEquals(true, ok.getBoolean("is_compatible"));
        JsonObject bad = http.post("/compatibility/subjects/compat-value/versions/1?verbose=true", schemaBody(USER_BAD)).json();
        assertEquals(false, bad.getBoolean("is_compatible"));
        assertTrue(bad.getJsonArray("messages").getString(0).contains("email"));
        JsonObject all = http.post("/compatibility/subjects/compat-value/versions?verbose=true", schemaBody(USER_BAD)).json();
        assertEquals(false, all.getBoolean("is_compatible"));
        assertEquals(true, http.post("/compatibility/subjects/compat-nobody/versions", schemaBody(USER_BAD)).json()
                .getBoolean("is_compatible"), "nothing to be incompatible with");
        assertEquals(40401, http.post("/compatibility/subjects/compat-nobody/versions/latest", schemaBody(USER_BAD)).errorCode());
        assertEquals(40402, http.post("/compatibility/subjects/compat-value/versions/9", schemaBody(USER_V2)).errorCode());
        assertEquals(42201, http.post("/compatibility/subjects/compat-value/versions/1", schemaBody("{")).errorCode());
    }

    @Test
    void configEndpoints() {
        assertEquals("BACKWARD", http.get("/config").json().getString("compatibilityLevel"));
        Http.Resp unset = http.get("/config/cfg-value");
        assertEquals(404, unset.status());
        assertEquals(40408, unset.errorCode());
        assertEquals("BACKWARD", http.get("/config/cfg-value?defaultToGlobal=true").json().getString("compatibilityLevel"));

        Http.Resp put = http.put("/config/cfg-value", new JsonObject().put("compatibility", "NONE"));
        assertEquals(200, put.status(), put.body());
        assertEquals("NONE", put.json().getString("compatibility"));
        assertEquals("NONE", http.get("/config/cfg-value").json().getString("compatibilityLevel"));
        register("cfg-value", USER_V1);
        register("cfg-value", USER_BAD); // NONE lets anything through
        Http.Resp bad = http.put("/config/cfg-value", new JsonObject().put("compatibility", "SIDEWAYS"));
        assertEquals(422, bad.status());
        assertEquals(42203, bad.errorCode());
        assertEquals(42203, http.put("/config", new JsonObject().put("compatibility", "SIDEWAYS")).errorCode());
        assertEquals(400, http.put("/config", "{nope").errorCode());

        assertEquals("NONE", http.delete("/config/cfg-value").json().getString("compatibilityLevel"));
        assertEquals(40408, http.get("/config/cfg-value").errorCode());
        assertEquals(40401, http.delete("/config/cfg-nobody").errorCode());
    }

    @Test
    void globalConfigPutAndDelete() {
        // runs against its own subject; restores the global level at the end
        assertEquals("FULL", http.put("/config", new JsonObject().put("compatibility", "full")).json().getString("compatibility"));
        assertEquals("FULL", http.get("/config").json().getString("compatibilityLevel"));
        assertEquals("FULL", http.delete("/config").json().getString("compatibilityLevel"));
        assertEquals("BACKWARD", http.get("/config").json().getString("compatibilityLevel"));
    }

    @Test
    void modeEndpoints() {
        assertEquals("READWRITE", http.get("/mode").json().getString("mode"));
        assertEquals(40409, http.get("/mode/mode-value").errorCode());
        assertEquals("READWRITE", http.get("/mode/mode-value?defaultToGlobal=true").json().getString("mode"));
        assertEquals(42204, http.put("/mode/mode-value", new JsonObject().put("mode", "SLEEPY")).errorCode());

        register("mode-value", USER_V1);
        assertEquals("READONLY", http.put("/mode/mode-value", new JsonObject().put("mode", "READONLY")).json().getString("mode"));
        Http.Resp ro = http.post("/subjects/mode-value/versions", schemaBody(USER_V2));
        assertEquals(422, ro.status());
        assertEquals(42205, ro.errorCode());
        assertEquals(42205, http.delete("/subjects/mode-value/versions/1").errorCode());
        assertEquals(200, http.get("/subjects/mode-value/versions/1").status(), "reads still work");
        assertEquals("READONLY", http.delete("/mode/mode-value").json().getString("mode"));

        // IMPORT: refused on a subject with schemas unless forced; explicit ids and versions accepted
        assertEquals(42205, http.put("/mode/mode-value", new JsonObject().put("mode", "IMPORT")).errorCode());
        assertEquals(42205, http.post("/subjects/import-value/versions", schemaBody(USER_V1).put("id", 5000)).errorCode(),
                "explicit id outside IMPORT mode");
        assertEquals("IMPORT", http.put("/mode/import-value", new JsonObject().put("mode", "IMPORT")).json().getString("mode"));
        Http.Resp imported = http.post("/subjects/import-value/versions",
                schemaBody(record("Imported", "{\"name\":\"i\",\"type\":\"int\"}")).put("id", 5000).put("version", 3));
        assertEquals(200, imported.status(), imported.body());
        assertEquals(5000, imported.json().getInteger("id"));
        assertEquals(3, http.get("/subjects/import-value/versions/latest").json().getInteger("version"));
        Http.Resp clash = http.post("/subjects/import-value/versions",
                schemaBody(record("Other", "{\"name\":\"o\",\"type\":\"int\"}")).put("id", 5000).put("version", 4));
        assertEquals(42207, clash.errorCode());
        http.delete("/mode/import-value");
        int next = register("after-import-value", record("AfterImport", "{\"name\":\"z\",\"type\":\"int\"}"));
        assertTrue(next > 5000, "ids continue above imported ids: " + next);
    }

    @Test
    void referencesAndReferencedBy() {
        String address = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"ref\",\"fields\":[{\"name\":\"city\",\"type\":\"string\"}]}";
        register("ref-address", address);
        String customer = "{\"type\":\"record\",\"name\":\"Customer\",\"namespace\":\"ref\",\"fields\":[{\"name\":\"home\",\"type\":\"ref.Address\"}]}";
        JsonObject body = schemaBody(customer).put("references", new JsonArray().add(
                new JsonObject().put("name", "ref.Address").put("subject", "ref-address").put("version", 1)));
        Http.Resp r = http.post("/subjects/ref-customer/versions", body);
        assertEquals(200, r.status(), r.body());
        int id = r.json().getInteger("id");
        JsonObject v = http.get("/subjects/ref-customer/versions/1").json();
        assertEquals("ref-address", v.getJsonArray("references").getJsonObject(0).getString("subject"));
        assertEquals(new JsonArray().add(id), http.get("/subjects/ref-address/versions/1/referencedby").array());
        assertEquals(200, http.post("/subjects/ref-customer", body).status());
        assertEquals(1, http.get("/schemas/ids/" + id).json().getJsonArray("references").size());

        Http.Resp blocked = http.delete("/subjects/ref-address/versions/1");
        assertEquals(422, blocked.status());
        assertEquals(42206, blocked.errorCode());
        assertEquals(42206, http.delete("/subjects/ref-address").errorCode());

        Http.Resp missingRef = http.post("/subjects/ref-bad/versions", schemaBody(customer).put("references", new JsonArray().add(
                new JsonObject().put("name", "ref.Address").put("subject", "ref-nobody").put("version", 1))));
        assertEquals(42201, missingRef.errorCode());
        assertTrue(missingRef.json().getString("message").contains("ref-nobody"));
        assertEquals(42201, http.post("/subjects/ref-bad/versions", schemaBody(customer)).errorCode(), "unknown type without a reference");
    }

    @Test
    void normalizeStoresTheCanonicalForm() {
        String spaced = "{ \"type\" : \"record\", \"name\":\"Norm\", \"namespace\":\"test\", \"fields\": [ {\"name\":\"n\",\"type\":\"int\"} ] }";
        Http.Resp r = http.post("/subjects/norm-value/versions?normalize=true", schemaBody(spaced));
        assertEquals(200, r.status(), r.body());
        assertEquals("{\"type\":\"record\",\"name\":\"Norm\",\"namespace\":\"test\",\"fields\":[{\"name\":\"n\",\"type\":\"int\"}]}",
                http.get("/subjects/norm-value/versions/1").json().getString("schema"));
        assertEquals(200, http.post("/subjects/norm-value?normalize=true", schemaBody(spaced)).status());
    }
}
