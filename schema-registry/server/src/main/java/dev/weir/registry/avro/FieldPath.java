package dev.weir.registry.avro;

import org.apache.avro.Schema;

/**
 * Turns an Avro compatibility location ({@code /fields/1/type/items}) into field names
 * ({@code field 'address.lines'}). Stateless and thread-safe.
 */
final class FieldPath {
    private FieldPath() {
    }

    static String describe(Schema root, String location) {
        if (location == null || location.isEmpty() || "/".equals(location)) {
            return "the " + root.getType().getName() + (root.getType() == Schema.Type.RECORD
                    || root.getType() == Schema.Type.ENUM || root.getType() == Schema.Type.FIXED
                    ? " '" + root.getFullName() + "'" : "") + " at the top level";
        }
        String[] parts = location.substring(1).split("/");
        StringBuilder name = new StringBuilder();
        Schema s = root;
        try {
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i];
                switch (p) {
                    case "fields" -> {
                        Schema.Field f = s.getFields().get(Integer.parseInt(parts[++i]));
                        if (name.length() > 0) {
                            name.append('.');
                        }
                        name.append(f.name());
                        s = f.schema();
                    }
                    case "type" -> { }
                    case "items" -> s = s.getElementType();
                    case "values" -> s = s.getValueType();
                    case "symbols", "size", "name" -> { }
                    default -> {
                        if (s.getType() == Schema.Type.UNION && p.chars().allMatch(Character::isDigit)) {
                            s = s.getTypes().get(Integer.parseInt(p));
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            // location from the other schema's shape: fall back to what we resolved so far
        }
        return name.length() == 0 ? "the top level" : "field '" + name + "'";
    }
}
