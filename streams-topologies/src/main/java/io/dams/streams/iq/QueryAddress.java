package io.dams.streams.iq;

import io.dams.runtime.config.ConfigException;

/**
 * Where a job's interactive queries are served: the {@code applicationServer} address other instances and the query
 * service reach ({@code host:port}, Kafka Streams' {@code application.server}; port 0 picks a free one) and the
 * interface to listen on ({@code bindHost}; empty: the host of {@code applicationServer}).
 */
public record QueryAddress(String applicationServer, String bindHost) {

    /** The host part of {@link #applicationServer()}. */
    public String advertisedHost() {
        return applicationServer.substring(0, applicationServer.lastIndexOf(':'));
    }

    /** The port part of {@link #applicationServer()}. */
    public int advertisedPort() {
        return Integer.parseInt(applicationServer.substring(applicationServer.lastIndexOf(':') + 1));
    }

    /** The interface to listen on. */
    public String listenHost() {
        return bindHost == null || bindHost.isBlank() ? advertisedHost() : bindHost;
    }

    /** Checks both keys, naming them under {@code prefix} (e.g. {@code "ingest."}). */
    public void validate(String prefix) {
        ConfigException.require(applicationServer != null && applicationServer.matches("[^:\\s]+:\\d{1,5}")
                        && advertisedPort() <= 65535, prefix + "applicationServer",
                "must be host:port (port 0-65535), not '" + applicationServer + "'");
        ConfigException.require(bindHost != null, prefix + "bindHost", "must be a host or empty");
    }

    /** Starts a server listening here. */
    public InteractiveQueryServer start() {
        return InteractiveQueryServer.start(listenHost(), advertisedHost(), advertisedPort());
    }
}
