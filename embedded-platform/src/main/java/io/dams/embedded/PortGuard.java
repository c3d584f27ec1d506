package io.dams.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Chooses free local ports and refuses, with an operator's message, ports that something else already holds. */
public final class PortGuard {

    private PortGuard() {
    }

    /**
     * Fails with one line naming the port, what it was meant for and the option that changes it, when the port is
     * already bound on {@code host}. Port 0 means "any free port" and always passes.
     */
    public static void requireFree(String host, int port, String role, String option) {
        if (port == 0) {
            return;
        }
        try {
            bind(host, port).close();
        } catch (IOException e) {
            throw new PlatformException("port " + port + " (" + role + ") is already in use; stop what uses it or"
                    + " choose another port with " + option);
        }
    }

    /** A port that was free a moment ago; for components that must know their port before they bind it. */
    public static int freePort(String host) {
        return freePorts(host, 1)[0];
    }

    /** {@code port}, or a free port when it is 0. */
    public static int resolve(String host, int port) {
        return port == 0 ? freePort(host) : port;
    }

    /**
     * {@code count} distinct ports that were free a moment ago. The probe sockets stay open until all are known, so
     * the kernel cannot hand out the same port twice.
     */
    public static int[] freePorts(String host, int count) {
        List<ServerSocket> probes = new ArrayList<>(count);
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket probe = bind(host, 0);
                probes.add(probe);
                ports[i] = probe.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new PlatformException("cannot find a free port on " + host + ": " + e.getMessage(), e);
        } finally {
            probes.forEach(PortGuard::closeQuietly);
        }
    }

    private static ServerSocket bind(String host, int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            // Servers get SO_REUSEADDR from the JDK on Unix; without it here, TIME_WAIT connections of a server that
            // just stopped would make its port look taken.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return socket;
        } catch (IOException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // A probe socket that fails to close has nothing left to release.
        }
    }
}
