package dev.weir.registry.avro;

import dev.weir.registry.RegistryException;
import dev.weir.registry.storage.SchemaReference;
import dev.weir.registry.storage.StoredSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * Parses Avro schemas, resolving references: each referenced subject/version is parsed first (depth
 * first, each once) into the same {@link Schema.Parser}, so the main schema can use their named types.
 * Stateless and thread-safe.
 */
public final class AvroSchemas {
    private AvroSchemas() {
    }

    /**
     * @param resolver finds a referenced version (subject, version), or null if it does not exist
     * @throws RegistryException 42201 naming the parse error or the missing reference
     */
    public static ParsedSchema parse(String text, List<SchemaReference> refs,
                                     BiFunction<String, Integer, StoredSchema> resolver) {
        Map<String, String> ordered = new LinkedHashMap<>();
        for (SchemaReference r : refs) {
            collect(r, resolver, ordered, 0);
        }
        Schema.Parser parser = new Schema.Parser();
        try {
            for (Map.Entry<String, String> e : ordered.entrySet()) {
                parser.parse(e.getValue());
            }
            Schema schema = parser.parse(text);
            return new ParsedSchema(schema, schema.toString());
        } catch (SchemaParseException | NullPointerException | IllegalArgumentException e) {
            throw RegistryException.invalidSchema(String.valueOf(e.getMessage()));
        } catch (RuntimeException e) {
            // Jackson errors for text that is not JSON at all
            throw RegistryException.invalidSchema(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static void collect(SchemaReference r, BiFunction<String, Integer, StoredSchema> resolver,
                                Map<String, String> ordered, int depth) {
        if (depth > 32) {
            throw RegistryException.invalidSchema("references nest deeper than 32 levels (a cycle?)");
        }
        String key = r.subject() + "\u0000" + r.version();
        if (ordered.containsKey(key)) {
            return;
        }
        StoredSchema ref = resolver.apply(r.subject(), r.version());
        if (ref == null) {
            throw RegistryException.invalidSchema("reference '" + r.name() + "' names subject '" + r.subject()
                    + "' version " + r.version() + ", which does not exist: register it first");
        }
        for (SchemaReference inner : ref.references()) {
            collect(inner, resolver, ordered, depth + 1);
        }
        ordered.put(key, ref.schema());
    }

    /** The identity of a schema: type, canonical form and references. */
    public static String identity(String canonical, List<SchemaReference> refs) {
        StringBuilder sb = new StringBuilder("AVRO\n").append(canonical);
        for (SchemaReference r : refs) {
            sb.append('\n').append(r.name()).append('|').append(r.subject()).append('|').append(r.version());
        }
        return sb.toString();
    }
}
