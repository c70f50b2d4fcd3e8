package dev.weir.streams;

import dev.weir.streams.internal.Node;
import dev.weir.streams.internal.NodeContext;
import dev.weir.streams.internal.NodeProcessor;
import dev.weir.streams.internal.Rec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * The branches of {@link KStream#split}: each record goes to the first branch whose predicate it
 * matches, else to the default branch if there is one, else nowhere. The resulting map is keyed by
 * prefix + branch name, in the order branches were added.
 *
 * <pre>{@code
 * Map<String, KStream<String, Order>> b = orders.split("orders-")
 *     .branch("big", (k, o) -> o.total() > 1000)
 *     .defaultBranch("small");
 * }</pre>
 */
public final class BranchedStream<K, V> {
    private final KStream<K, V> parent;
    private final String prefix;
    private final String splitNode;
    private final List<BiPredicate<? super K, ? super V>> predicates = new ArrayList<>();
    private final List<String> branchNodes = new ArrayList<>();
    private final Map<String, KStream<K, V>> result = new LinkedHashMap<>();
    private String defaultNode;
    private boolean done;

    BranchedStream(KStream<K, V> parent, String prefix) {
        this.parent = parent;
        this.prefix = prefix == null ? "" : prefix;
        this.splitNode = parent.builder.graph.name(prefix == null ? null : prefix + "split", "KSTREAM-BRANCH");
        List<BiPredicate<? super K, ? super V>> preds = predicates;
        List<String> nodes = branchNodes;
        parent.builder.graph.add(new Node.Processor(splitNode, "SPLIT", () -> new NodeProcessor() {
            @Override
            @SuppressWarnings("unchecked")
            public void process(Rec r, NodeContext ctx) {
                for (int i = 0; i < preds.size(); i++) {
                    if (preds.get(i).test((K) r.key(), (V) r.value())) {
                        ctx.forward(r, nodes.get(i));
                        return;
                    }
                }
                if (defaultNode != null) {
                    ctx.forward(r, defaultNode);
                }
            }
        }, List.of()), parent.node);
    }

    public BranchedStream<K, V> branch(String name, BiPredicate<? super K, ? super V> predicate) {
        check();
        String node = addBranch(name);
        predicates.add(predicate);
        branchNodes.add(node);
        return this;
    }

    /** Ends the split with a branch for records no predicate matched. */
    public Map<String, KStream<K, V>> defaultBranch(String name) {
        check();
        defaultNode = addBranch(name);
        done = true;
        return new LinkedHashMap<>(result);
    }

    /** Ends the split; records no predicate matched are dropped. */
    public Map<String, KStream<K, V>> noDefaultBranch() {
        check();
        done = true;
        return new LinkedHashMap<>(result);
    }

    private String addBranch(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a branch needs a name");
        }
        String node = prefix + name;
        if (result.containsKey(node)) {
            throw new IllegalArgumentException("two branches are named '" + node + "'");
        }
        parent.builder.graph.add(new Node.Processor(node, "BRANCH", () -> (r, ctx) -> ctx.forward(r), List.of()),
                splitNode);
        result.put(node, new KStream<>(parent.builder, node, parent.keySerde, parent.valueSerde,
                parent.repartitionRequired));
        return node;
    }

    private void check() {
        if (done) {
            throw new IllegalStateException("this split is finished: defaultBranch/noDefaultBranch was called");
        }
    }
}
