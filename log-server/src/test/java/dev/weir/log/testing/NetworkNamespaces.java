package dev.weir.log.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A small virtual network for partition tests: N Linux network namespaces ("hosts"), each with one
 * veth into a bridge in the root namespace, so processes started with {@link #commandPrefix(int)}
 * listen on their own address and the test (in the root namespace) reaches all of them.
 *
 * <pre>
 *   root ns: bridge wb-TAG 10.77.S.1/24 --- wv-TAG-K ==veth== eth0 in weir-TAG-nsK: 10.77.S.(10+K)/24
 * </pre>
 *
 * {@link #isolate(int)} adds blackhole routes for the other hosts' addresses inside the isolated host,
 * and for its address inside every other host: unicast IPv4 between them stops in both directions
 * while the root namespace still talks to everyone. New connections then fail at once (EINVAL from
 * the route) and established ones see their packets vanish until TCP gives up, which is how a
 * partition looks to the processes. Multicast and broadcast are not cut: clustered brokers must use
 * a fixed member list. There is no DNS inside (lookups fail at once rather than time out) and
 * no route beyond the bridge: use IP addresses.
 *
 * <p>Needs root and iproute2 ({@code ip}); tests call {@code assumeTrue(NetworkNamespaces.available())}.
 * Names carry this JVM's pid and a counter, so parallel JVMs never collide; {@link #create} removes
 * leftovers of JVMs that are gone (killed runs; this assumes every user shares one pid namespace),
 * and a file lock in the temp directory serialises the choice of a free subnet S.
 *
 * <p>Thread safety: not thread-safe; one test thread drives one instance. {@link #close()} SIGKILLs
 * processes still running inside the namespaces, then deletes namespaces, veths and the bridge.
 */
public final class NetworkNamespaces implements AutoCloseable {
    private static final String NETNS_PREFIX = "weir-";
    private static final Pattern NETNS_NAME = Pattern.compile("weir-([0-9a-f]+)-[0-9a-z]+-ns\\d+");
    private static final Pattern LINK_NAME = Pattern.compile("(?:wb|wv)-([0-9a-f]+)-[0-9a-z]+(?:-\\d+)?");
    private static final int MAX_HOSTS = 99;             // keeps "wv-PIDHEX-NN-KK" within 15 characters
    private static final int SECOND_OCTET = 77;           // subnets are 10.77.S.0/24; S is searched
    private static final Path ETC_NETNS = Path.of("/etc/netns");
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static Boolean available;

    private final String tag;
    private final int subnet;
    private final int hosts;
    private final Set<List<String>> blackholes = new LinkedHashSet<>();   // [namespace, address]
    private boolean closed;

    private NetworkNamespaces(String tag, int subnet, int hosts) {
        this.tag = tag;
        this.subnet = subnet;
        this.hosts = hosts;
    }

    /** Whether namespaces can be made here: Linux, root, {@code ip netns add} and a bridge work. Probed once. */
    public static synchronized boolean available() {
        if (available == null) {
            available = probe();
        }
        return available;
    }

    private static boolean probe() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return false;
        }
        String name = NETNS_PREFIX + "probe-" + ProcessHandle.current().pid();
        String bridge = "wbp-" + Long.toHexString(ProcessHandle.current().pid());
        try {
            boolean ok = quiet(List.of("ip", "netns", "add", name)) == 0;
            quiet(List.of("ip", "netns", "del", name));
            ok = ok && quiet(List.of("ip", "link", "add", bridge, "type", "bridge")) == 0;
            quiet(List.of("ip", "link", "del", bridge));
            return ok;
        } catch (RuntimeException e) {
            return false;   // no ip binary, or it hangs
        }
    }

    /**
     * Creates {@code hosts} namespaces on one bridge; on failure nothing is left behind. Synchronized
     * because the subnet lock is a file lock, which two threads of one JVM cannot both hold.
     */
    public static synchronized NetworkNamespaces create(int hosts) {
        if (hosts < 1 || hosts > MAX_HOSTS) {
            throw new IllegalArgumentException("hosts must be 1.." + MAX_HOSTS + ": " + hosts);
        }
        removeLeftovers();
        String tag = Long.toHexString(ProcessHandle.current().pid()) + "-"
                + Integer.toString(COUNTER.getAndIncrement() % (36 * 36), 36);
        NetworkNamespaces net = null;
        // Two JVMs must not pick the same subnet: choose it and claim it on the bridge under one lock.
        Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "weir-netns.lock");
        try {
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                net = new NetworkNamespaces(tag, freeSubnet(), hosts);
                run("ip", "link", "add", net.bridge(), "type", "bridge");
                run("ip", "addr", "add", net.rootAddress() + "/24", "dev", net.bridge());
            } catch (IOException e) {
                throw new IllegalStateException("locking " + lockFile, e);
            }
            run("ip", "link", "set", net.bridge(), "up");
            for (int k = 1; k <= hosts; k++) {
                net.addHost(k);
            }
            return net;
        } catch (RuntimeException e) {
            if (net != null) {
                net.close();
            }
            throw e;
        }
    }

    private void addHost(int k) {
        String ns = namespace(k);
        String outside = "wv-" + tag + "-" + k;
        String inside = "wp-" + tag + "-" + k;
        run("ip", "netns", "add", ns);
        writeResolvConf(ns);
        run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", ns);
        run("ip", "-n", ns, "link", "set", inside, "name", "eth0");
        run("ip", "-n", ns, "addr", "add", address(k) + "/24", "dev", "eth0");
        run("ip", "-n", ns, "link", "set", "eth0", "up");
        run("ip", "-n", ns, "link", "set", "lo", "up");
        run("ip", "link", "set", outside, "master", bridge());
        run("ip", "link", "set", outside, "up");
        run("ip", "-n", ns, "route", "add", "default", "via", rootAddress());
    }

    /** The IPv4 address of host {@code host} (1-based). */
    public String address(int host) {
        checkHost(host);
        return "10." + SECOND_OCTET + "." + subnet + "." + (10 + host);
    }

    /** The bridge's address: how processes inside the namespaces reach the root namespace. */
    public String rootAddress() {
        return "10." + SECOND_OCTET + "." + subnet + ".1";
    }

    /** The network namespace name of host {@code host}. */
    public String namespace(int host) {
        checkHost(host);
        return NETNS_PREFIX + tag + "-ns" + host;
    }

    /** Prepend to a command to run it inside host {@code host}: {@code ip netns exec <ns>}. */
    public List<String> commandPrefix(int host) {
        return List.of("ip", "netns", "exec", namespace(host));
    }

    public int hosts() {
        return hosts;
    }

    /** Cuts {@code host} off from every other host, both directions; the root namespace still reaches it. */
    public void isolate(int host) {
        checkHost(host);
        for (int other = 1; other <= hosts; other++) {
            if (other != host) {
                blackhole(namespace(host), address(other));
                blackhole(namespace(other), address(host));
            }
        }
    }

    /** Removes every cut made by {@link #isolate}. */
    public void heal() {
        for (List<String> route : new ArrayList<>(blackholes)) {
            run("ip", "-n", route.get(0), "route", "del", "blackhole", route.get(1) + "/32");
            blackholes.remove(route);
        }
    }

    private void blackhole(String ns, String address) {
        if (blackholes.add(List.of(ns, address))) {
            run("ip", "-n", ns, "route", "add", "blackhole", address + "/32");
        }
    }

    /** Kills what still runs inside, deletes namespaces, veths and bridge. Idempotent; never throws. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int k = 1; k <= hosts; k++) {
            deleteNamespace(namespace(k));
        }
        // Explicit: a deleted namespace lives on while orphaned TCP sockets in it still retransmit
        // (likely after isolate), and with it the veth pair.
        for (int k = 1; k <= hosts; k++) {
            quiet(List.of("ip", "link", "del", "wv-" + tag + "-" + k));
        }
        quiet(List.of("ip", "link", "del", bridge()));
    }

    @Override
    public String toString() {
        return "NetworkNamespaces[" + tag + ", 10." + SECOND_OCTET + "." + subnet + ".0/24, " + hosts + " hosts]";
    }

    private String bridge() {
        return "wb-" + tag;
    }

    private void checkHost(int host) {
        if (host < 1 || host > hosts) {
            throw new IllegalArgumentException("host " + host + " is not in 1.." + hosts);
        }
    }

    /** A third octet S such that no address in the root namespace is in 10.77.S.0/24. */
    private static int freeSubnet() {
        String addresses = output("ip", "-4", "-o", "addr", "show");
        String routes = output("ip", "-4", "route", "show");
        int start = (int) (ProcessHandle.current().pid() % 200) + 20;
        for (int i = 0; i < 230; i++) {
            int s = 20 + (start - 20 + i) % 230;
            String prefix = "10." + SECOND_OCTET + "." + s + ".";
            if (!addresses.contains(prefix) && !routes.contains(prefix)) {
                return s;
            }
        }
        throw new IllegalStateException("no free 10." + SECOND_OCTET + ".S.0/24 subnet");
    }

    /** Deletes namespaces and links whose owning JVM (the pid in the name) no longer runs. */
    private static void removeLeftovers() {
        for (String line : output("ip", "netns", "list").split("\n")) {
            String name = line.trim().split("\\s+")[0];
            Matcher m = NETNS_NAME.matcher(name);
            if (m.matches() && isDead(m.group(1))) {
                deleteNamespace(name);
            }
        }
        try (Stream<Path> dirs = Files.isDirectory(ETC_NETNS) ? Files.list(ETC_NETNS) : Stream.empty()) {
            for (Path dir : dirs.toList()) {
                Matcher m = NETNS_NAME.matcher(dir.getFileName().toString());
                if (m.matches() && isDead(m.group(1))) {
                    deleteNamespace(dir.getFileName().toString());
                }
            }
        } catch (IOException e) {
            // Only configuration files; nothing depends on their removal.
        }
        for (String line : output("ip", "-o", "link", "show").split("\n")) {
            // "12: wb-3fa2-0: <...>" or "13: wv-3fa2-0-1@if2: <...>"
            String[] parts = line.split(":\\s+", 3);
            if (parts.length < 2) {
                continue;
            }
            String name = parts[1].split("@")[0];
            Matcher m = LINK_NAME.matcher(name);
            if (m.matches() && isDead(m.group(1))) {
                quiet(List.of("ip", "link", "del", name));
            }
        }
    }

    private static boolean isDead(String pidHex) {
        try {
            return ProcessHandle.of(Long.parseLong(pidHex, 16)).isEmpty();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Nothing answers DNS inside a namespace, so a lookup (Python's http.server, Java's reverse lookups)
     * would wait out the resolver's timeouts. {@code ip netns exec} bind-mounts /etc/netns/NS/resolv.conf
     * over /etc/resolv.conf: pointing it at the namespace's own loopback makes lookups fail at once.
     */
    private static void writeResolvConf(String ns) {
        Path conf = ETC_NETNS.resolve(ns).resolve("resolv.conf");
        try {
            Files.createDirectories(conf.getParent());
            Files.writeString(conf, "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
        } catch (IOException e) {
            throw new IllegalStateException("writing " + conf, e);
        }
    }

    /** A namespace stays alive while processes are inside it, so kill them before deleting it. */
    private static void deleteNamespace(String ns) {
        String pids = quietOutput(List.of("ip", "netns", "pids", ns));
        for (String pid : pids.split("\\s+")) {
            if (!pid.isBlank()) {
                ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(p -> {
                    p.destroyForcibly();
                    p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> null).join();
                });
            }
        }
        quiet(List.of("ip", "netns", "del", ns));
        Path dir = ETC_NETNS.resolve(ns);
        try {
            Files.deleteIfExists(dir.resolve("resolv.conf"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // Harmless leftover; removed by a later run's leftover sweep.
        }
    }

    private static void run(String... command) {
        Result r = exec(List.of(command));
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + r.exit() + "): " + r.output());
        }
    }

    private static String output(String... command) {
        Result r = exec(List.of(command));
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + r.exit() + "): " + r.output());
        }
        return r.output();
    }

    private static int quiet(List<String> command) {
        return exec(command).exit();
    }

    private static String quietOutput(List<String> command) {
        Result r = exec(command);
        return r.exit() == 0 ? r.output() : "";
    }

    private record Result(int exit, String output) {}

    private static Result exec(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            // Outputs are small; reading to the end first means waitFor never blocks on a full pipe.
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 30 s");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }
}
