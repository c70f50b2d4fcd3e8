package dev.weir.registry.avro;

import dev.weir.registry.CompatibilityLevel;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;

/**
 * Checks a new schema against earlier versions with Avro's own rules ({@link SchemaCompatibility}).
 * BACKWARD: the new schema (reader) reads data written with the old one; FORWARD: the old schema (reader)
 * reads data written with the new one; FULL: both. Non-transitive levels check only the latest version,
 * transitive levels every live version. Stateless and thread-safe.
 */
public final class CompatibilityChecker {
    private CompatibilityChecker() {
    }

    /** An earlier version to check against. */
    public record Earlier(int version, Schema schema) {
    }

    /**
     * @param earlier live versions, ascending; the caller already chose latest-only or all
     * @return one message per broken rule, naming the field, the rule and the version; empty = compatible
     */
    public static List<String> check(CompatibilityLevel level, Schema candidate, List<Earlier> earlier) {
        List<String> messages = new ArrayList<>();
        if (level == CompatibilityLevel.NONE) {
            return messages;
        }
        for (int i = earlier.size() - 1; i >= 0; i--) {
            Earlier old = earlier.get(i);
            if (level.backward()) {
                describe(messages, "BACKWARD", "the new schema cannot read data written with version " + old.version(),
                        candidate, old.schema());
            }
            if (level.forward()) {
                describe(messages, "FORWARD", "version " + old.version() + " cannot read data written with the new schema",
                        old.schema(), candidate);
            }
        }
        return messages;
    }

    private static void describe(List<String> out, String rule, String what, Schema reader, Schema writer) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
        for (Incompatibility inc : result.getIncompatibilities()) {
            String field = FieldPath.describe(reader, inc.getLocation());
            out.add(rule + ": " + what + ": " + inc.getType() + " at " + field + " (" + inc.getLocation() + "): "
                    + inc.getMessage() + " - " + explain(inc.getType()));
        }
    }

    private static String explain(SchemaCompatibility.SchemaIncompatibilityType type) {
        return switch (type) {
            case READER_FIELD_MISSING_DEFAULT_VALUE ->
                    "the reading schema has this field without a default and the writing schema lacks it; give it a default";
            case TYPE_MISMATCH -> "the reading type cannot read the written type (only Avro's promotions are allowed)";
            case MISSING_ENUM_SYMBOLS -> "the written enum has symbols the reading enum lacks; give the reading enum a default";
            case MISSING_UNION_BRANCH -> "the written union has a branch the reading union lacks";
            case NAME_MISMATCH -> "the named types' names differ; keep the name or add the old one as an alias";
            case FIXED_SIZE_MISMATCH -> "the fixed types' sizes differ";
            default -> "see Avro's schema resolution rules";
        };
    }
}
