package dev.weir.registry;

import dev.weir.registry.storage.SchemaReference;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of register, lookup and compatibility requests:
 * {@code {"schema":"...","schemaType":"AVRO","references":[{"name":..,"subject":..,"version":..}],"id":7,"version":2}}
 * ({@code id} and {@code version} only in IMPORT mode). Immutable.
 */
public record RegisterRequest(String schema, String schemaType, List<SchemaReference> references,
                              Integer id, Integer version) {

    /** @throws RegistryException 400 for malformed JSON, 42201/42202 for a wrong shape */
    public static RegisterRequest parse(String body) {
        JsonObject json;
        try {
            json = new JsonObject(body == null ? "" : body);
        } catch (DecodeException | ClassCastException e) {
            throw new RegistryException(400, 400, "Malformed JSON request body: " + e.getMessage());
        }
        try {
            Object schema = json.getValue("schema");
            if (!(schema instanceof String s) || s.isBlank()) {
                throw RegistryException.invalidSchema("the request has no \"schema\" string: send {\"schema\": \"<Avro schema JSON as a string>\"}");
            }
            String type = json.getString("schemaType", "AVRO");
            if (!"AVRO".equalsIgnoreCase(type)) {
                throw RegistryException.invalidSchema("schemaType '" + type + "' is not supported: this registry stores AVRO only");
            }
            List<SchemaReference> refs = new ArrayList<>();
            JsonArray arr = json.getJsonArray("references", new JsonArray());
            for (int i = 0; i < arr.size(); i++) {
                JsonObject r = arr.getJsonObject(i);
                if (r == null || r.getString("name") == null || r.getString("subject") == null || r.getInteger("version") == null) {
                    throw RegistryException.invalidSchema("reference " + i + " needs \"name\", \"subject\" and \"version\"");
                }
                refs.add(new SchemaReference(r.getString("name"), r.getString("subject"), r.getInteger("version")));
            }
            Integer id = json.getInteger("id");
            Integer version = json.getInteger("version");
            if (id != null && id < 0 || id != null && id == 0) {
                id = null; // Confluent clients send -1/0 for "no id"
            }
            if (version != null && version <= 0) {
                version = null;
            }
            return new RegisterRequest(s, "AVRO", refs, id, version);
        } catch (ClassCastException e) {
            throw new RegistryException(422, 42201, "Invalid schema: a field of the request has the wrong type: " + e.getMessage());
        }
    }
}
