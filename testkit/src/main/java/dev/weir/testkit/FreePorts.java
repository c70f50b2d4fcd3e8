package dev.weir.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports that were free at the time of the call. A port is only reserved while probed, so another process
 * may take it before the caller binds it; fixtures that can bind port 0 and read the bound port back (as
 * {@link EmbeddedBroker} does) should, and use these only where a port must be known before anything binds it
 * (cluster member lists, child JVMs, restarts on the same port).
 */
public final class FreePorts {
    private FreePorts() {
    }

    /** One port free on every local address (so on 127.0.0.1 too). */
    public static int one() {
        return several(1)[0];
    }

    /** {@code n} distinct ports free on every local address (all probe sockets are held open together while choosing). */
    public static int[] several(int n) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a probe socket
                }
            }
        }
    }
}
