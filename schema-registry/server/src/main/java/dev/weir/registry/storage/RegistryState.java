package dev.weir.registry.storage;

import dev.weir.registry.CompatibilityLevel;
import dev.weir.registry.Mode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's state, rebuilt from the store topic: subjects and their versions, schemas by id,
 * the identity index (same canonical schema = same id), configs and modes.
 *
 * <p>Only the store reader thread mutates it ({@link #apply}); REST workers read it. Every method is
 * {@code synchronized}, and results are copies or immutable records, so callers never see a torn state.
 */
public final class RegistryState {
    private static final Logger log = LoggerFactory.getLogger(RegistryState.class);

    private final Map<String, TreeMap<Integer, StoredSchema>> subjects = new HashMap<>();
    private final Map<Integer, StoredSchema> byId = new HashMap<>();
    private final Map<String, Integer> idByIdentity = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectCompat = new HashMap<>();
    private final Map<String, Mode> subjectMode = new HashMap<>();
    private final Function<StoredSchema, String> identity;
    private CompatibilityLevel globalCompat;
    private Mode globalMode;
    private int maxId;

    /** @param identity the identity of a schema (canonical form + type + references); called under this lock */
    public RegistryState(Function<StoredSchema, String> identity) {
        this.identity = identity;
    }

    /** Applies one record of the store topic (value null = tombstone). Unknown keys are logged and skipped. */
    public synchronized void apply(String keyJson, String valueJson) {
        JsonObject key;
        try {
            key = new JsonObject(keyJson);
        } catch (RuntimeException e) {
            log.warn("skipping store record with a malformed key: {}", keyJson);
            return;
        }
        String type = key.getString("keytype", "");
        String subject = key.getString("subject");
        JsonObject value = valueJson == null ? null : new JsonObject(valueJson);
        switch (type) {
            case "SCHEMA" -> applySchema(subject, key.getInteger("version"), value);
            case "CONFIG" -> {
                CompatibilityLevel l = value == null ? null : CompatibilityLevel.parse(value.getString("compatibilityLevel"));
                if (subject == null) {
                    globalCompat = l;
                } else if (l == null) {
                    subjectCompat.remove(subject);
                } else {
                    subjectCompat.put(subject, l);
                }
            }
            case "MODE" -> {
                Mode m = value == null ? null : Mode.parse(value.getString("mode"));
                if (subject == null) {
                    globalMode = m;
                } else if (m == null) {
                    subjectMode.remove(subject);
                } else {
                    subjectMode.put(subject, m);
                }
            }
            case "ID_WATERMARK" -> {
                if (value != null) {
                    maxId = Math.max(maxId, value.getInteger("maxId", 0));
                }
            }
            default -> log.debug("skipping store record with key type '{}'", type);
        }
    }

    private void applySchema(String subject, int version, JsonObject value) {
        if (value == null) {
            TreeMap<Integer, StoredSchema> versions = subjects.get(subject);
            StoredSchema removed = versions == null ? null : versions.remove(version);
            if (versions != null && versions.isEmpty()) {
                subjects.remove(subject);
            }
            if (removed != null && !idStillUsed(removed.id())) {
                StoredSchema gone = byId.remove(removed.id());
                idByIdentity.values().remove(gone.id());
            }
            return;
        }
        StoredSchema s = StoreCodec.parseSchemaValue(value);
        subjects.computeIfAbsent(subject, k -> new TreeMap<>()).put(version, s);
        maxId = Math.max(maxId, s.id());
        if (!byId.containsKey(s.id())) {
            byId.put(s.id(), s);
            try {
                idByIdentity.putIfAbsent(identity.apply(s), s.id());
            } catch (RuntimeException e) {
                log.warn("schema id {} ({} v{}) does not parse: {}", s.id(), subject, version, e.getMessage());
            }
        }
    }

    private boolean idStillUsed(int id) {
        for (TreeMap<Integer, StoredSchema> vs : subjects.values()) {
            for (StoredSchema s : vs.values()) {
                if (s.id() == id) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Subjects with at least one live version (or any version if {@code includeDeleted}), sorted. */
    public synchronized List<String> subjects(boolean includeDeleted) {
        TreeSet<String> out = new TreeSet<>();
        subjects.forEach((name, vs) -> {
            if (includeDeleted || vs.values().stream().anyMatch(s -> !s.deleted())) {
                out.add(name);
            }
        });
        return new ArrayList<>(out);
    }

    /** All versions of a subject, soft-deleted ones included, ascending; empty if unknown. */
    public synchronized List<StoredSchema> versions(String subject) {
        TreeMap<Integer, StoredSchema> vs = subjects.get(subject);
        return vs == null ? List.of() : new ArrayList<>(vs.values());
    }

    public synchronized Optional<StoredSchema> version(String subject, int version) {
        TreeMap<Integer, StoredSchema> vs = subjects.get(subject);
        return Optional.ofNullable(vs == null ? null : vs.get(version));
    }

    public synchronized Optional<StoredSchema> byId(int id) {
        return Optional.ofNullable(byId.get(id));
    }

    public synchronized Optional<Integer> idOf(String identityKey) {
        return Optional.ofNullable(idByIdentity.get(identityKey));
    }

    /** Every stored version (of any subject, deleted included) that uses schema {@code id}. */
    public synchronized List<StoredSchema> usesOfId(int id) {
        List<StoredSchema> out = new ArrayList<>();
        for (String subject : new TreeSet<>(subjects.keySet())) {
            for (StoredSchema s : subjects.get(subject).values()) {
                if (s.id() == id) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Live versions that reference {@code subject} at {@code version}. */
    public synchronized List<StoredSchema> referencedBy(String subject, int version) {
        List<StoredSchema> out = new ArrayList<>();
        for (NavigableMap<Integer, StoredSchema> vs : subjects.values()) {
            for (StoredSchema s : vs.values()) {
                if (!s.deleted() && s.references().stream()
                        .anyMatch(r -> r.subject().equals(subject) && r.version() == version)) {
                    out.add(s);
                }
            }
        }
        out.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return out;
    }

    public synchronized int maxId() { return maxId; }
    public synchronized CompatibilityLevel globalCompatibility() { return globalCompat; }
    public synchronized CompatibilityLevel subjectCompatibility(String s) { return subjectCompat.get(s); }
    public synchronized Mode globalMode() { return globalMode; }
    public synchronized Mode subjectMode(String s) { return subjectMode.get(s); }
}
