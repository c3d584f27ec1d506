package io.dams.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Free ports on loopback, with the kernel's offers scripted where a test needs it to repeat itself. */
class PortGuardTest {

    private static final String HOST = "127.0.0.1";

    @Test
    void shouldNotHandOutAPortTwiceThoughTheSystemOffersItAgain() {
        int first = PortGuard.freePort(HOST);
        // What the kernel does when parts start in parallel: the first port's probe has closed, so it is free again.
        Deque<Integer> offers = new ArrayDeque<>(List.of(first, 0));

        int next = PortGuard.freePorts(() -> bound(offers.poll()), 1, HOST)[0];

        assertThat(next).isNotEqualTo(first).isPositive();
        assertThat(offers).isEmpty();
    }

    @Test
    void shouldGiveUpWithAReasonWhenTheSystemOffersOnlyPortsHandedOutBefore() {
        int[] handedOut = PortGuard.freePorts(HOST, 64);
        Deque<Integer> offers = new ArrayDeque<>(Arrays.stream(handedOut).boxed().toList());

        assertThatThrownBy(() -> PortGuard.freePorts(() -> bound(offers.poll()), 1, HOST))
                .isInstanceOf(PlatformException.class)
                .hasMessage("cannot find a free port on 127.0.0.1: the last 64 the system offered had all been handed"
                        + " out before");
    }

    @Test
    void shouldReturnDistinctPortsThatCanBeBound() throws IOException {
        int[] ports = PortGuard.freePorts(HOST, 3);

        assertThat(ports).doesNotHaveDuplicates();
        for (int port : ports) {
            bound(port).close();
        }
    }

    private static ServerSocket bound(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
        return socket;
    }
}
