package io.dams.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Chooses free local ports and refuses, with an operator's message, ports that something else already holds. */
public final class PortGuard {

    /**
     * Ports this JVM has handed out, never handed out again. The platform's parts choose their ports in parallel and
     * bind them seconds later (the registry's JVM takes that long to start): the kernel, asked again in between,
     * happily offers a port whose probe has just closed, and the slower part then finds it taken.
     */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    /** Probes one search may open for ports handed out before, beyond those it returns. */
    private static final int MAX_REOFFERED = 64;

    /** Binds a probe socket to some free port: the kernel's choice, or a test's script of it. */
    @FunctionalInterface
    interface Probe {
        ServerSocket bind() throws IOException;
    }

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
     * {@code count} distinct ports that were free a moment ago and that no earlier call in this JVM returned. The probe
     * sockets stay open until all are known, so the kernel cannot offer the same port twice within one search.
     */
    public static int[] freePorts(String host, int count) {
        return freePorts(() -> bind(host, 0), count, host);
    }

    static int[] freePorts(Probe probe, int count, String host) {
        List<ServerSocket> probes = new ArrayList<>(count);
        try {
            int[] ports = new int[count];
            int found = 0;
            while (found < count) {
                if (probes.size() - found >= MAX_REOFFERED) {
                    throw new PlatformException("cannot find a free port on " + host + ": the last " + MAX_REOFFERED
                            + " the system offered had all been handed out before");
                }
                ServerSocket socket = probe.bind();
                probes.add(socket);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    ports[found++] = socket.getLocalPort();
                }
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
