package dev.weir.registry;

import dev.weir.registry.avro.AvroSchemas;
import dev.weir.registry.avro.CompatibilityChecker;
import dev.weir.registry.avro.CompatibilityChecker.Earlier;
import dev.weir.registry.avro.ParsedSchema;
import dev.weir.registry.storage.KafkaStore;
import dev.weir.registry.storage.RegistryState;
import dev.weir.registry.storage.StoreCodec;
import dev.weir.registry.storage.StoredSchema;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The registry's operations, independent of HTTP: reads answer from {@link RegistryState}; writes check
 * mode and compatibility, allocate ids, and go through {@link KafkaStore} (which returns once the state
 * shows the write). Errors are {@link RegistryException}s with Confluent's codes.
 *
 * <p>Thread-safety: reads may run concurrently from any (non event-loop) thread; writes are serialized by
 * one lock, and each first waits until the state has read the whole store topic, so a newly elected
 * leader never allocates an id or version another leader already used. Only the leader calls writes.
 */
public final class SchemaRegistry {
    private final RegistryConfig config;
    private final RegistryState state;
    private final KafkaStore store;
    private final Object writeLock = new Object();

    public SchemaRegistry(RegistryConfig config, RegistryState state, KafkaStore store) {
        this.config = config;
        this.state = state;
        this.store = store;
    }

    /** The identity of a stored schema, for {@link RegistryState}'s index (references resolved in the state). */
    public static String identityOf(RegistryState state, StoredSchema s) {
        ParsedSchema p = AvroSchemas.parse(s.schema(), s.references(), (sub, v) -> state.version(sub, v).orElse(null));
        return AvroSchemas.identity(p.canonical(), s.references());
    }

    // ---------------------------------------------------------------- reads

    public List<String> subjects(boolean deleted) {
        return state.subjects(deleted);
    }

    public List<Integer> versions(String subject, boolean deleted) {
        List<Integer> out = new ArrayList<>();
        for (StoredSchema s : state.versions(subject)) {
            if (deleted || !s.deleted()) {
                out.add(s.version());
            }
        }
        if (out.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        return out;
    }

    public StoredSchema version(String subject, String versionText, boolean deleted) {
        List<StoredSchema> all = state.versions(subject);
        if (all.stream().noneMatch(s -> deleted || !s.deleted())) {
            throw RegistryException.subjectNotFound(subject);
        }
        return resolve(subject, all, versionText, deleted);
    }

    private StoredSchema resolve(String subject, List<StoredSchema> all, String versionText, boolean deleted) {
        int v = parseVersion(versionText);
        if (v == -1) {
            for (int i = all.size() - 1; i >= 0; i--) {
                if (deleted || !all.get(i).deleted()) {
                    return all.get(i);
                }
            }
            throw RegistryException.versionNotFound(versionText);
        }
        for (StoredSchema s : all) {
            if (s.version() == v && (deleted || !s.deleted())) {
                return s;
            }
        }
        throw RegistryException.versionNotFound(String.valueOf(v));
    }

    /** @return -1 for latest; @throws RegistryException 42202 for anything but latest, -1 or 1..2^31-1 */
    static int parseVersion(String text) {
        if ("latest".equalsIgnoreCase(text)) {
            return -1;
        }
        try {
            int v = Integer.parseInt(text);
            if (v == -1 || v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw RegistryException.invalidVersion(text);
    }

    public StoredSchema schemaById(int id) {
        return state.byId(id).orElseThrow(() -> RegistryException.schemaNotFound("Schema " + id + " not found"));
    }

    /** Versions (subject, version) that use schema {@code id}; soft-deleted ones only if {@code deleted}. */
    public List<StoredSchema> usesOfId(int id, boolean deleted) {
        schemaById(id);
        return state.usesOfId(id).stream().filter(s -> deleted || !s.deleted()).toList();
    }

    public List<Integer> referencedBy(String subject, String versionText) {
        StoredSchema s = version(subject, versionText, false);
        return state.referencedBy(subject, s.version()).stream().map(StoredSchema::id).distinct().toList();
    }

    /** POST /subjects/{s}: the version of {@code subject} holding this schema. */
    public StoredSchema lookup(String subject, RegisterRequest req, boolean deleted) {
        List<StoredSchema> all = state.versions(subject);
        if (all.stream().noneMatch(s -> deleted || !s.deleted())) {
            throw RegistryException.subjectNotFound(subject);
        }
        ParsedSchema p = parse(req);
        Optional<Integer> id = state.idOf(AvroSchemas.identity(p.canonical(), req.references()));
        for (StoredSchema s : all) {
            if (id.isPresent() && s.id() == id.get() && (deleted || !s.deleted())) {
                return s;
            }
        }
        throw RegistryException.schemaNotFound("Schema not found");
    }

    /** @return messages of broken rules; empty = compatible. {@code versionText} null = the versions the level names. */
    public List<String> checkCompatibility(String subject, String versionText, RegisterRequest req) {
        List<StoredSchema> live = state.versions(subject).stream().filter(s -> !s.deleted()).toList();
        CompatibilityLevel level = compatibility(subject);
        List<StoredSchema> against;
        if (versionText == null) {
            against = level.transitive() || live.isEmpty() ? live : List.of(live.get(live.size() - 1));
        } else {
            if (live.isEmpty()) {
                throw RegistryException.subjectNotFound(subject);
            }
            against = List.of(resolve(subject, live, versionText, false));
        }
        ParsedSchema p = parse(req);
        return CompatibilityChecker.check(level, p.schema(), earlier(against));
    }

    private List<Earlier> earlier(List<StoredSchema> versions) {
        List<Earlier> out = new ArrayList<>();
        for (StoredSchema s : versions) {
            out.add(new Earlier(s.version(), AvroSchemas.parse(s.schema(), s.references(), this::refLookup).schema()));
        }
        return out;
    }

    private StoredSchema refLookup(String subject, Integer version) {
        return state.version(subject, version).orElse(null);
    }

    private ParsedSchema parse(RegisterRequest req) {
        int bytes = req.schema().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > config.schemaMaxBytes()) {
            throw RegistryException.invalidSchema("the schema is " + bytes + " bytes, more than "
                    + RegistryConfig.SCHEMA_MAX_BYTES + "=" + config.schemaMaxBytes());
        }
        return AvroSchemas.parse(req.schema(), req.references(), this::refLookup);
    }

    public CompatibilityLevel compatibility(String subject) {
        CompatibilityLevel l = subject == null ? null : state.subjectCompatibility(subject);
        if (l == null) {
            l = state.globalCompatibility();
        }
        return l != null ? l : config.defaultCompatibility();
    }

    public Mode mode(String subject) {
        Mode m = subject == null ? null : state.subjectMode(subject);
        if (m == null) {
            m = state.globalMode();
        }
        return m != null ? m : Mode.READWRITE;
    }

    /** GET /config/{s}: the subject's own level, or the global one if {@code defaultToGlobal}. */
    public CompatibilityLevel subjectCompatibility(String subject, boolean defaultToGlobal) {
        CompatibilityLevel l = state.subjectCompatibility(subject);
        if (l == null && !defaultToGlobal) {
            throw new RegistryException(404, 40408, "Subject '" + subject
                    + "' does not have subject-level compatibility configured");
        }
        return l != null ? l : compatibility(null);
    }

    public Mode subjectMode(String subject, boolean defaultToGlobal) {
        Mode m = state.subjectMode(subject);
        if (m == null && !defaultToGlobal) {
            throw new RegistryException(404, 40409, "Subject '" + subject + "' does not have subject-level mode configured");
        }
        return m != null ? m : mode(null);
    }

    // ---------------------------------------------------------------- writes

    /** POST /subjects/{s}/versions: registers (or finds) the schema, returns its id. */
    public int register(String subject, RegisterRequest req, boolean normalize) {
        Mode mode = mode(subject);
        if (mode == Mode.READONLY) {
            throw RegistryException.notPermitted("Subject " + subject + " is in read-only mode");
        }
        if (req.id() != null && mode != Mode.IMPORT) {
            throw RegistryException.notPermitted("Subject " + subject + " is not in import mode: registering with an explicit id needs mode IMPORT");
        }
        ParsedSchema p = parse(req);
        String text = normalize ? p.canonical() : req.schema();
        String identity = AvroSchemas.identity(p.canonical(), req.references());
        synchronized (writeLock) {
            store.waitUntilCaughtUp();
            Optional<Integer> known = state.idOf(identity);
            List<StoredSchema> all = state.versions(subject);
            List<StoredSchema> live = all.stream().filter(s -> !s.deleted()).toList();
            if (known.isPresent()) {
                for (StoredSchema s : live) {
                    if (s.id() == known.get()) {
                        if (req.id() != null && req.id() != s.id()) {
                            throw RegistryException.idInUse("Schema already registered with id " + s.id()
                                    + " instead of input id " + req.id());
                        }
                        return s.id();
                    }
                }
            }
            int id;
            if (req.id() != null) {
                Optional<StoredSchema> holder = state.byId(req.id());
                if (holder.isPresent() && !holder.get().schema().equals(text)
                        && !known.equals(Optional.of(req.id()))) {
                    throw RegistryException.idInUse("Overwrite new schema with id " + req.id() + " is not permitted.");
                }
                id = req.id();
            } else {
                if (mode != Mode.IMPORT) {
                    List<StoredSchema> against = compatibility(subject).transitive() || live.isEmpty()
                            ? live : List.of(live.get(live.size() - 1));
                    List<String> messages = CompatibilityChecker.check(compatibility(subject), p.schema(), earlier(against));
                    if (!messages.isEmpty()) {
                        throw new RegistryException(409, 409, "Schema being registered is incompatible with an earlier schema for subject \""
                                + subject + "\", details: " + messages);
                    }
                }
                id = known.orElse(state.maxId() + 1);
            }
            int version;
            int maxVersion = all.isEmpty() ? 0 : all.get(all.size() - 1).version();
            if (req.version() != null && mode == Mode.IMPORT) {
                if (state.version(subject, req.version()).isPresent()) {
                    throw RegistryException.notPermitted("Subject " + subject + " already has version " + req.version());
                }
                version = req.version();
            } else {
                version = maxVersion + 1;
            }
            StoredSchema s = new StoredSchema(subject, version, id, "AVRO", text, req.references(), false);
            store.write(StoreCodec.schemaKey(subject, version), StoreCodec.schemaValue(s));
            return id;
        }
    }

    /** DELETE /subjects/{s}/versions/{v}: soft, or permanent after soft. @return the version deleted */
    public int deleteVersion(String subject, String versionText, boolean permanent) {
        checkWritable(subject);
        synchronized (writeLock) {
            store.waitUntilCaughtUp();
            List<StoredSchema> all = state.versions(subject);
            if (all.isEmpty()) {
                throw RegistryException.subjectNotFound(subject);
            }
            StoredSchema s = resolve(subject, all, versionText, permanent || parseVersion(versionText) != -1);
            if (!permanent) {
                if (s.deleted()) {
                    throw RegistryException.versionSoftDeleted(subject, s.version());
                }
                refuseIfReferenced(s);
                store.write(StoreCodec.schemaKey(subject, s.version()), StoreCodec.schemaValue(s.asDeleted()));
            } else {
                if (!s.deleted()) {
                    throw RegistryException.versionNotSoftDeleted(subject, s.version());
                }
                store.write(StoreCodec.watermarkKey(), StoreCodec.watermarkValue(state.maxId()));
                store.write(StoreCodec.schemaKey(subject, s.version()), null);
            }
            return s.version();
        }
    }

    /** DELETE /subjects/{s}: soft-deletes every live version, or permanently removes a soft-deleted subject. */
    public List<Integer> deleteSubject(String subject, boolean permanent) {
        checkWritable(subject);
        synchronized (writeLock) {
            store.waitUntilCaughtUp();
            List<StoredSchema> all = state.versions(subject);
            if (all.isEmpty()) {
                throw RegistryException.subjectNotFound(subject);
            }
            List<StoredSchema> live = all.stream().filter(s -> !s.deleted()).toList();
            List<Integer> out = new ArrayList<>();
            if (!permanent) {
                if (live.isEmpty()) {
                    throw RegistryException.subjectSoftDeleted(subject);
                }
                for (StoredSchema s : live) {
                    refuseIfReferenced(s);
                }
                for (StoredSchema s : live) {
                    store.write(StoreCodec.schemaKey(subject, s.version()), StoreCodec.schemaValue(s.asDeleted()));
                    out.add(s.version());
                }
            } else {
                if (!live.isEmpty()) {
                    throw RegistryException.subjectNotSoftDeleted(subject);
                }
                store.write(StoreCodec.watermarkKey(), StoreCodec.watermarkValue(state.maxId()));
                for (StoredSchema s : all) {
                    store.write(StoreCodec.schemaKey(subject, s.version()), null);
                    out.add(s.version());
                }
            }
            return out;
        }
    }

    private void refuseIfReferenced(StoredSchema s) {
        List<StoredSchema> users = state.referencedBy(s.subject(), s.version());
        if (!users.isEmpty()) {
            throw RegistryException.referenceExists("One or more references exist to the schema {subject=" + s.subject()
                    + ", version=" + s.version() + "}: ids " + users.stream().map(StoredSchema::id).distinct().toList()
                    + "; delete those first");
        }
    }

    private void checkWritable(String subject) {
        if (mode(subject) == Mode.READONLY) {
            throw RegistryException.notPermitted("Subject " + subject + " is in read-only mode");
        }
    }

    /** PUT /config or /config/{s} (subject null = global). */
    public CompatibilityLevel setCompatibility(String subject, String levelText) {
        CompatibilityLevel level = CompatibilityLevel.parse(levelText);
        if (level == null) {
            throw RegistryException.invalidCompatibility(String.valueOf(levelText));
        }
        synchronized (writeLock) {
            store.write(StoreCodec.configKey(subject), StoreCodec.configValue(level));
        }
        return level;
    }

    /** DELETE /config or /config/{s}: back to the default (global) level. @return the level before */
    public CompatibilityLevel deleteCompatibility(String subject) {
        synchronized (writeLock) {
            store.waitUntilCaughtUp();
            CompatibilityLevel before;
            if (subject == null) {
                before = compatibility(null);
            } else {
                before = state.subjectCompatibility(subject);
                if (before == null) {
                    if (state.versions(subject).isEmpty()) {
                        throw RegistryException.subjectNotFound(subject);
                    }
                    before = compatibility(null);
                }
            }
            store.write(StoreCodec.configKey(subject), null);
            return before;
        }
    }

    /** PUT /mode or /mode/{s}. IMPORT needs no live subjects in scope unless {@code force}. */
    public Mode setMode(String subject, String modeText, boolean force) {
        Mode mode = Mode.parse(modeText);
        if (mode == null) {
            throw RegistryException.invalidMode(String.valueOf(modeText));
        }
        synchronized (writeLock) {
            store.waitUntilCaughtUp();
            if (mode == Mode.IMPORT && !force) {
                boolean nonEmpty = subject == null ? !state.subjects(false).isEmpty()
                        : state.versions(subject).stream().anyMatch(s -> !s.deleted());
                if (nonEmpty) {
                    throw RegistryException.notPermitted("Cannot import since found existing subjects; add ?force=true to import anyway");
                }
            }
            store.write(StoreCodec.modeKey(subject), StoreCodec.modeValue(mode));
        }
        return mode;
    }

    /** DELETE /mode/{s}. @return the mode before */
    public Mode deleteMode(String subject) {
        synchronized (writeLock) {
            store.waitUntilCaughtUp();
            Mode before = subject == null ? mode(null) : state.subjectMode(subject);
            if (before == null) {
                throw new RegistryException(404, 40409, "Subject '" + subject + "' does not have subject-level mode configured");
            }
            store.write(StoreCodec.modeKey(subject), null);
            return before;
        }
    }
}
