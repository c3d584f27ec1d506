package io.dams.embedded.kafka;

import io.dams.embedded.PlatformException;
import io.dams.embedded.PortGuard;

/** Resolves the broker's and controller's ports before start; KRaft needs the controller's before the server exists. */
final class Ports {

    /** The two ports the broker will bind. */
    record Chosen(int broker, int controller) {
    }

    private Ports() {
    }

    /** Checks requested ports and picks free ones for those given as 0. */
    static Chosen choose(String bindAddress, int brokerPort, int controllerPort) {
        if (brokerPort != 0 && brokerPort == controllerPort) {
            throw new PlatformException("the Kafka broker and controller cannot share port " + brokerPort
                    + "; choose different ports with --kafka-port and --controller-port");
        }
        PortGuard.requireFree(bindAddress, brokerPort, "Kafka broker", "--kafka-port");
        PortGuard.requireFree(bindAddress, controllerPort, "Kafka controller", "--controller-port");
        int[] free = PortGuard.freePorts(bindAddress, 2);
        return new Chosen(brokerPort != 0 ? brokerPort : free[0], controllerPort != 0 ? controllerPort : free[1]);
    }
}
