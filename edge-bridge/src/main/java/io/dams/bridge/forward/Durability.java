package io.dams.bridge.forward;

/** Where a forwarded batch was durable when the bridge acknowledged it to the agent. */
public enum Durability {
    /** Acknowledged by Kafka (acks=all). */
    KAFKA,
    /** Appended and synced to the bridge's disk spool; the spool replayer forwards it to Kafka later, in order. */
    SPOOL
}
