package dev.weir.streams;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.weir.streams.internal.GraphBuilder;
import dev.weir.streams.internal.Node;
import dev.weir.streams.internal.StoreSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A built, immutable processing graph, split into sub-topologies. A sub-topology is a connected part
 * of the graph: nodes linked by edges or sharing a store; repartition topics are the only links
 * between sub-topologies (a sink writes the topic in one, a source reads it in another). At run time
 * each sub-topology becomes one task per partition of its source topics.
 *
 * <p>Internal topic names here are without the application id: at run time
 * {@code counts-repartition} is {@code <application.id>-counts-repartition}, and store {@code counts}
 * logs to {@code <application.id>-counts-changelog}.
 */
public final class Topology {
    /** One sub-topology: its nodes in creation order and what it reads, writes and stores. */
    public record SubTopology(int id, List<String> nodes, List<String> sourceTopics, List<Pattern> sourcePatterns,
                              List<String> stores, List<String> sinkTopics) {
    }

    private final Map<String, Node> nodes;
    private final Map<String, List<String>> children;
    private final Map<String, List<String>> parents;
    private final Map<String, StoreSpec> stores;
    private final Set<String> repartitionTopics;
    private final List<SubTopology> subTopologies;
    private final Map<String, Integer> subTopologyOfNode = new HashMap<>();

    Topology(GraphBuilder g) {
        this.nodes = Map.copyOf(g.nodes);
        this.children = copy(g.children);
        this.parents = copy(g.parents);
        this.stores = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(g.stores));
        this.repartitionTopics = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(g.repartitionTopics));
        if (nodes.isEmpty()) {
            throw new IllegalStateException("the topology is empty: add a stream or table before build()");
        }
        this.subTopologies = split(g);
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> m) {
        Map<String, List<String>> c = new LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(c);
    }

    private List<SubTopology> split(GraphBuilder g) {
        List<String> order = new ArrayList<>(g.nodes.keySet());
        Map<String, String> root = new HashMap<>();
        order.forEach(n -> root.put(n, n));
        g.children.forEach((p, cs) -> cs.forEach(c -> union(root, p, c)));
        Map<String, String> storeOwner = new HashMap<>();
        for (Node n : g.nodes.values()) {
            if (n instanceof Node.Processor p) {
                for (String s : p.stores()) {
                    String other = storeOwner.putIfAbsent(s, n.name());
                    if (other != null) {
                        union(root, other, n.name());
                    }
                }
            }
        }
        // Sub-topologies are numbered in the order of their first node, so ids are stable for a given code.
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (String n : order) {
            groups.computeIfAbsent(find(root, n), k -> new ArrayList<>()).add(n);
        }
        List<SubTopology> result = new ArrayList<>();
        int id = 0;
        for (List<String> members : groups.values()) {
            Set<String> topics = new LinkedHashSet<>();
            List<Pattern> patterns = new ArrayList<>();
            Set<String> st = new LinkedHashSet<>();
            Set<String> sinks = new LinkedHashSet<>();
            for (String m : members) {
                subTopologyOfNode.put(m, id);
                Node node = g.nodes.get(m);
                if (node instanceof Node.Source s) {
                    topics.addAll(s.topics());
                    if (s.pattern() != null) {
                        patterns.add(s.pattern());
                    }
                } else if (node instanceof Node.Processor p) {
                    st.addAll(p.stores());
                } else if (node instanceof Node.Sink k && k.topic() != null) {
                    sinks.add(k.topic());
                }
            }
            result.add(new SubTopology(id++, List.copyOf(members), List.copyOf(topics), List.copyOf(patterns),
                    List.copyOf(st), List.copyOf(sinks)));
        }
        return List.copyOf(result);
    }

    private static void union(Map<String, String> root, String a, String b) {
        String ra = find(root, a);
        String rb = find(root, b);
        if (!ra.equals(rb)) {
            root.put(rb, ra);
        }
    }

    private static String find(Map<String, String> root, String n) {
        String r = n;
        while (!root.get(r).equals(r)) {
            r = root.get(r);
        }
        return r;
    }

    public List<SubTopology> subTopologies() {
        return subTopologies;
    }

    public Node node(String name) {
        return nodes.get(name);
    }

    public List<String> children(String node) {
        return children.getOrDefault(node, List.of());
    }

    public List<String> parents(String node) {
        return parents.getOrDefault(node, List.of());
    }

    public int subTopologyOf(String node) {
        return subTopologyOfNode.get(node);
    }

    /** Stores by name, in creation order. */
    public Map<String, StoreSpec> stores() {
        return stores;
    }

    /** Repartition topic names without the application id. */
    public Set<String> repartitionTopics() {
        return repartitionTopics;
    }

    /** The real name of a topic named in this topology: internal ones get the application id prefix. */
    public String topicName(String applicationId, String topic) {
        return repartitionTopics.contains(topic) ? applicationId + "-" + topic : topic;
    }

    /** Text for people, in the shape of Kafka Streams' {@code TopologyDescription}. */
    public String describe() {
        StringBuilder sb = new StringBuilder("Topologies:\n");
        for (SubTopology s : subTopologies) {
            sb.append("   Sub-topology: ").append(s.id()).append('\n');
            for (String n : s.nodes()) {
                Node node = nodes.get(n);
                sb.append("    ");
                if (node instanceof Node.Source src) {
                    sb.append("Source: ").append(n).append(" (")
                            .append(src.pattern() != null ? "topic pattern: " + src.pattern().pattern()
                                    : "topics: " + src.topics()).append(")");
                } else if (node instanceof Node.Processor p) {
                    sb.append("Processor: ").append(n).append(" (").append(p.kind())
                            .append(", stores: ").append(p.stores()).append(")");
                } else if (node instanceof Node.Sink k) {
                    sb.append("Sink: ").append(n).append(" (topic: ")
                            .append(k.topic() != null ? k.topic() : "chosen per record").append(")");
                }
                sb.append('\n');
                if (!children(n).isEmpty()) {
                    sb.append("      --> ").append(String.join(", ", children(n))).append('\n');
                }
                if (!parents(n).isEmpty()) {
                    sb.append("      <-- ").append(String.join(", ", parents(n))).append('\n');
                }
            }
            sb.append('\n');
        }
        if (!stores.isEmpty()) {
            sb.append("Stores:\n");
            stores.values().forEach(st -> sb.append("   ").append(st.name()).append(" (changelog: ")
                    .append(st.name()).append("-changelog)\n"));
        }
        return sb.toString();
    }

    /**
     * JSON for tools: {@code {"subTopologies":[{"id","nodes":[{"name","type","kind","topics","pattern",
     * "topic","stores","children","parents"}],"sourceTopics","sinkTopics","stores"}],"stores":[{"name",
     * "type","changelogTopic"}],"repartitionTopics":[...]}}; internal names without the application id.
     */
    public String describeJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        List<Object> subs = new ArrayList<>();
        for (SubTopology s : subTopologies) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("id", s.id());
            List<Object> ns = new ArrayList<>();
            for (String n : s.nodes()) {
                Map<String, Object> nm = new LinkedHashMap<>();
                nm.put("name", n);
                Node node = nodes.get(n);
                if (node instanceof Node.Source src) {
                    nm.put("type", "source");
                    nm.put("topics", src.topics());
                    if (src.pattern() != null) {
                        nm.put("pattern", src.pattern().pattern());
                    }
                    nm.put("internal", src.internal());
                } else if (node instanceof Node.Processor p) {
                    nm.put("type", "processor");
                    nm.put("kind", p.kind());
                    nm.put("stores", p.stores());
                } else if (node instanceof Node.Sink k) {
                    nm.put("type", "sink");
                    nm.put("topic", k.topic());
                    nm.put("internal", k.internal());
                }
                nm.put("children", children(n));
                nm.put("parents", parents(n));
                ns.add(nm);
            }
            sm.put("nodes", ns);
            sm.put("sourceTopics", s.sourceTopics());
            sm.put("sourcePatterns", s.sourcePatterns().stream().map(Pattern::pattern).toList());
            sm.put("sinkTopics", s.sinkTopics());
            sm.put("stores", s.stores());
            subs.add(sm);
        }
        root.put("subTopologies", subs);
        List<Object> st = new ArrayList<>();
        for (StoreSpec s : stores.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("type", s.type() == null ? "default" : s.type().name());
            m.put("changelogTopic", s.name() + "-changelog");
            st.add(m);
        }
        root.put("stores", st);
        root.put("repartitionTopics", new TreeSet<>(repartitionTopics));
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
