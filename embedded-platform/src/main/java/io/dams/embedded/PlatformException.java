package io.dams.embedded;

/**
 * A problem an operator can fix: its message is one line naming the cause and what to do. Callers print the message,
 * not a stack trace.
 */
public class PlatformException extends RuntimeException {

    public PlatformException(String message) {
        super(message);
    }

    public PlatformException(String message, Throwable cause) {
        super(message, cause);
    }
}
