package dev.weir.registry.serde;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * Caching client for the part of the Confluent Schema Registry REST API that a serde needs:
 * <ul>
 *   <li>{@link #register} &mdash; {@code POST /subjects/{subject}/versions} &rarr; {@code {"id": N}}</li>
 *   <li>{@link #lookup} &mdash; {@code POST /subjects/{subject}} &rarr; {@code {"subject","version","id","schema"}}</li>
 *   <li>{@link #schemaById} &mdash; {@code GET /schemas/ids/{id}} &rarr; {@code {"schema": "..."}}</li>
 *   <li>{@link #latest} &mdash; {@code GET /subjects/{subject}/versions/latest}</li>
 * </ul>
 *
 * <p>Caches: id &rarr; schema and (subject, schema) &rarr; id never expire, because the registry never changes
 * what an id or a registered version means; the latest version of a subject does change, so it is kept for
 * {@code latestTtl} (negative: for the life of the client, as Confluent's default {@code latest.cache.ttl.sec=-1}).
 * The caches are unbounded: they hold the schemas an application uses, which are few.
 *
 * <p>Thread-safe. Two threads missing the cache at once may both ask the registry; both get the same answer,
 * since registration is idempotent, so the cost is one extra request rather than a lock around I/O.
 * Errors are {@link SchemaRegistryException}s carrying the registry's {@code error_code}.
 */
public class SchemaRegistryClient implements AutoCloseable {

    private final RegistryHttp http;
    private final long latestTtlNanos;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();
    private final Map<String, Latest> latestBySubject = new ConcurrentHashMap<>();

    private record SubjectSchema(String subject, Schema schema) {
    }

    private record Latest(RegisteredSchema schema, long fetchedNanos) {
    }

    /**
     * @param baseUrls   registry base URLs, tried in order until one answers
     * @param timeout    connect and request timeout
     * @param latestTtl  how long {@link #latest} answers are cached; negative for ever
     */
    public SchemaRegistryClient(List<String> baseUrls, Duration timeout, Duration latestTtl) {
        this.http = new RegistryHttp(baseUrls, timeout);
        this.latestTtlNanos = latestTtl.isNegative() ? -1 : latestTtl.toNanos();
    }

    /** One URL, 30 s timeout, latest versions cached for ever. */
    public SchemaRegistryClient(String baseUrl) {
        this(List.of(baseUrl), Duration.ofSeconds(30), Duration.ofSeconds(-1));
    }

    /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. */
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = http.post("/subjects/" + RegistryHttp.segment(subject) + "/versions",
                Map.of("schema", schema.toString()));
        int id = requireInt(answer, "id");
        idsBySubjectSchema.putIfAbsent(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /**
     * Returns the id of {@code schema} if it is registered under {@code subject}, without registering it.
     *
     * @throws SchemaRegistryException with error code 40401 (subject not found) or 40403 (schema not found)
     */
    public int lookup(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = http.post("/subjects/" + RegistryHttp.segment(subject), Map.of("schema", schema.toString()));
        int id = requireInt(answer, "id");
        idsBySubjectSchema.putIfAbsent(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /** Returns the schema with global id {@code id}. */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = http.get("/schemas/ids/" + id);
        requireAvro(answer, "schema id " + id);
        Schema schema = parse(requireText(answer, "schema"), "schema id " + id);
        Schema raced = schemasById.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    /** Returns the latest version of {@code subject}, cached for the client's latest-version TTL. */
    public RegisteredSchema latest(String subject) {
        Latest cached = latestBySubject.get(subject);
        long now = System.nanoTime();
        if (cached != null && (latestTtlNanos < 0 || now - cached.fetchedNanos() < latestTtlNanos)) {
            return cached.schema();
        }
        JsonNode answer = http.get("/subjects/" + RegistryHttp.segment(subject) + "/versions/latest");
        requireAvro(answer, "latest version of " + subject);
        int id = requireInt(answer, "id");
        Schema schema = schemaById(id);
        RegisteredSchema latest = new RegisteredSchema(subject, requireInt(answer, "version"), id, schema);
        latestBySubject.put(subject, new Latest(latest, now));
        idsBySubjectSchema.putIfAbsent(new SubjectSchema(subject, schema), id);
        return latest;
    }

    /** Nothing to release: {@link java.net.http.HttpClient} closes its connections when unreachable. */
    @Override
    public void close() {
    }

    private static void requireAvro(JsonNode answer, String what) {
        JsonNode type = answer.get("schemaType");
        if (type != null && !type.isNull() && !"AVRO".equals(type.asText())) {
            throw new SchemaRegistryException("The registry's " + what + " is a " + type.asText()
                    + " schema; this serde reads only Avro", -1, -1);
        }
    }

    private static int requireInt(JsonNode answer, String field) {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SchemaRegistryException("Registry answer lacks integer '" + field + "': " + answer, -1, -1);
        }
        return value.asInt();
    }

    private static String requireText(JsonNode answer, String field) {
        JsonNode value = answer.get(field);
        if (value == null || !value.isTextual()) {
            throw new SchemaRegistryException("Registry answer lacks string '" + field + "': " + answer, -1, -1);
        }
        return value.asText();
    }

    static Schema parse(String text, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("Cannot parse " + what + " as Avro: " + e.getMessage(), e);
        }
    }
}
