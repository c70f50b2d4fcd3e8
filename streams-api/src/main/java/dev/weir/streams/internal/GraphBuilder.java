package dev.weir.streams.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mutable graph the DSL writes into: nodes in creation order, parent/child edges, stores,
 * repartition topics, and the stateful operators that were given no name.
 */
public final class GraphBuilder {
    public final Map<String, Node> nodes = new LinkedHashMap<>();
    public final Map<String, List<String>> children = new LinkedHashMap<>();
    public final Map<String, List<String>> parents = new LinkedHashMap<>();
    public final Map<String, StoreSpec> stores = new LinkedHashMap<>();
    /** Repartition topics without the application id prefix, e.g. {@code counts-repartition}. */
    public final Set<String> repartitionTopics = new LinkedHashSet<>();
    /** One line per stateful operator whose store or topic name was generated. */
    public final List<String> unnamed = new ArrayList<>();
    private int index;

    /** The given name, or a generated one like Kafka Streams' {@code KSTREAM-FILTER-0000000003}. */
    public String name(String given, String prefix) {
        int i = index++;
        if (given != null) {
            if (given.isBlank()) {
                throw new IllegalArgumentException("an operator name is blank: give a non-empty name");
            }
            return given;
        }
        return String.format("%s-%010d", prefix, i);
    }

    public void add(Node node, String... parentNames) {
        if (node instanceof Node.Source src) {
            for (Node n : nodes.values()) {
                if (n instanceof Node.Source other && other.topics().stream().anyMatch(src.topics()::contains)) {
                    throw new IllegalArgumentException("topic(s) " + other.topics().stream()
                            .filter(src.topics()::contains).toList() + " are read by both '" + other.name()
                            + "' and '" + src.name() + "': read a topic once and reuse the stream (or merge)");
                }
            }
        }
        if (nodes.containsKey(node.name())) {
            throw new IllegalArgumentException("two operators are named '" + node.name()
                    + "': operator names must be unique in a topology");
        }
        nodes.put(node.name(), node);
        children.put(node.name(), new ArrayList<>());
        parents.put(node.name(), new ArrayList<>(List.of(parentNames)));
        for (String p : parentNames) {
            if (!nodes.containsKey(p)) {
                throw new IllegalArgumentException("unknown parent node '" + p + "' of " + node.name());
            }
            children.get(p).add(node.name());
        }
    }

    public void addStore(StoreSpec store) {
        if (stores.containsKey(store.name())) {
            throw new IllegalArgumentException("two stores are named '" + store.name()
                    + "': store names must be unique in a topology");
        }
        stores.put(store.name(), store);
    }

    public void addRepartitionTopic(String baseName) {
        if (!repartitionTopics.add(baseName)) {
            throw new IllegalArgumentException("two repartition topics are named '" + baseName
                    + "': give the grouping or repartition operations distinct names");
        }
    }
}
