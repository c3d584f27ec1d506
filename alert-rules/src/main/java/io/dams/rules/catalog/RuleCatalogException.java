package io.dams.rules.catalog;

/** The rules catalogue could not be read or written; the message names the topic, the cluster and the cause. */
public final class RuleCatalogException extends RuntimeException {

    public RuleCatalogException(String message) {
        super(message);
    }

    public RuleCatalogException(String message, Throwable cause) {
        super(message, cause);
    }
}
