package io.dams.streams.iq;

/** An interactive query that failed: the instance could not be reached or answered something unexpected. */
public class InteractiveQueryException extends RuntimeException {

    public InteractiveQueryException(String message) {
        super(message);
    }

    public InteractiveQueryException(String message, Throwable cause) {
        super(message, cause);
    }
}
