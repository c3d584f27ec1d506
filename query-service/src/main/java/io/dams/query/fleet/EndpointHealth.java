package io.dams.query.fleet;

/**
 * Whether one interactive-query endpoint answered a health probe.
 *
 * @param detail the endpoint's own state when it answered, or why it did not
 */
public record EndpointHealth(String endpoint, boolean answering, String detail) {
}
