package dev.weir.registry.storage;

import dev.weir.registry.CompatibilityLevel;
import dev.weir.registry.Mode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The record format of the store topic: JSON keys and values modelled on Confluent's, so each key's
 * bytes are the same every time it is written (compaction keeps the last value per key).
 *
 * <pre>
 * key {"keytype":"SCHEMA","subject":"s","version":1,"magic":1}
 *   value {"subject":"s","version":1,"id":7,"schemaType":"AVRO","references":[{"name":..,"subject":..,"version":..}],
 *          "schema":"...","deleted":false}           (null value = version permanently deleted)
 * key {"keytype":"CONFIG","subject":null|"s","magic":0}  value {"compatibilityLevel":"FULL"}   (null = unset)
 * key {"keytype":"MODE","subject":null|"s","magic":0}    value {"mode":"READONLY"}            (null = unset)
 * key {"keytype":"ID_WATERMARK","magic":0}              value {"maxId":12}
 *   (written before a permanent delete so an id is never reused even after compaction removed its schema)
 * </pre>
 * Stateless and thread-safe.
 */
public final class StoreCodec {
    private StoreCodec() {
    }

    public static String schemaKey(String subject, int version) {
        return new JsonObject().put("keytype", "SCHEMA").put("subject", subject).put("version", version)
                .put("magic", 1).encode();
    }

    public static String configKey(String subject) {
        return new JsonObject().put("keytype", "CONFIG").put("subject", subject).put("magic", 0).encode();
    }

    public static String modeKey(String subject) {
        return new JsonObject().put("keytype", "MODE").put("subject", subject).put("magic", 0).encode();
    }

    public static String watermarkKey() {
        return new JsonObject().put("keytype", "ID_WATERMARK").put("magic", 0).encode();
    }

    public static String schemaValue(StoredSchema s) {
        JsonArray refs = new JsonArray();
        for (SchemaReference r : s.references()) {
            refs.add(new JsonObject().put("name", r.name()).put("subject", r.subject()).put("version", r.version()));
        }
        return new JsonObject().put("subject", s.subject()).put("version", s.version()).put("id", s.id())
                .put("schemaType", s.schemaType()).put("references", refs).put("schema", s.schema())
                .put("deleted", s.deleted()).encode();
    }

    public static String configValue(CompatibilityLevel level) {
        return new JsonObject().put("compatibilityLevel", level.name()).encode();
    }

    public static String modeValue(Mode mode) {
        return new JsonObject().put("mode", mode.name()).encode();
    }

    public static String watermarkValue(int maxId) {
        return new JsonObject().put("maxId", maxId).encode();
    }

    public static StoredSchema parseSchemaValue(JsonObject v) {
        List<SchemaReference> refs = new ArrayList<>();
        JsonArray arr = v.getJsonArray("references", new JsonArray());
        for (int i = 0; i < arr.size(); i++) {
            JsonObject r = arr.getJsonObject(i);
            refs.add(new SchemaReference(r.getString("name"), r.getString("subject"), r.getInteger("version")));
        }
        return new StoredSchema(v.getString("subject"), v.getInteger("version"), v.getInteger("id"),
                v.getString("schemaType", "AVRO"), v.getString("schema"), refs, v.getBoolean("deleted", false));
    }
}
