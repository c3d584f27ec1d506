package io.dams.query.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.dams.streams.iq.InteractiveQueries;
import io.dams.streams.iq.InteractiveQueryClient;
import io.dams.streams.iq.InteractiveQueryException;
import io.dams.streams.iq.StoresUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The interactive-query endpoints of one Streams job, asked in turn. Any endpoint answers for the whole job, so a
 * request goes to the one that answered last, and on to the next when it cannot be reached or its stores are not
 * queryable. When none answers: {@link StoreUnavailableException} with the shortest {@code Retry-After} the endpoints
 * gave (or {@code unreachableRetryAfter} when none could be reached).
 */
public final class InteractiveQueryEndpoints implements AutoCloseable {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private final List<InteractiveQueryClient> clients;
    private final HttpClient http;
    private final Duration unreachableRetryAfter;
    private final String publicReason;
    /** The endpoint that answered last: asked first next time. */
    private final AtomicInteger preferred = new AtomicInteger();

    /**
     * @param endpoints             each instance's {@code http://host:port}
     * @param timeout               how long one request to an endpoint may take
     * @param listingTimeout        how long a listing from an endpoint may take
     * @param unreachableRetryAfter the {@code Retry-After} when no endpoint could be reached at all
     * @param publicReason          what clients are told when no endpoint answers
     */
    public InteractiveQueryEndpoints(List<URI> endpoints, Duration timeout, Duration listingTimeout,
                                     Duration unreachableRetryAfter, String publicReason) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one interactive-query endpoint is needed");
        }
        // For the health probes only, off the request path. The instances speak HTTP/1.1 only; an HTTP/2 client would
        // offer them an h2c upgrade on each new connection.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
        List<InteractiveQueryClient> list = new ArrayList<>();
        for (URI endpoint : endpoints) {
            list.add(new InteractiveQueryClient(endpoint, timeout, timeout, listingTimeout));
        }
        this.clients = List.copyOf(list);
        this.unreachableRetryAfter = unreachableRetryAfter;
        this.publicReason = publicReason;
    }

    /** Asks the endpoints in turn until one answers. */
    public <T> T ask(Function<InteractiveQueryClient, T> query) {
        int first = preferred.get();
        StoresUnavailableException unavailable = null;
        InteractiveQueryException unreachable = null;
        for (int i = 0; i < clients.size(); i++) {
            int index = (first + i) % clients.size();
            try {
                T answer = query.apply(clients.get(index));
                preferred.set(index);
                return answer;
            } catch (StoresUnavailableException e) {
                if (unavailable == null || e.retryAfter().compareTo(unavailable.retryAfter()) < 0) {
                    unavailable = e;
                }
            } catch (InteractiveQueryException e) {
                if (!(e.getCause() instanceof IOException)) {
                    // It answered, but not with the contract: another instance will not do better.
                    throw e;
                }
                unreachable = e;
            }
        }
        if (unavailable != null) {
            throw new StoreUnavailableException(publicReason, unavailable.getMessage(), unavailable.retryAfter(),
                    unavailable);
        }
        throw new StoreUnavailableException(publicReason, "cannot reach any interactive-query endpoint of "
                + endpoints() + " (" + rootMessage(unreachable) + ")", unreachableRetryAfter, unreachable);
    }

    /** Whether each endpoint answers its health probe now. */
    public List<EndpointHealth> probe() {
        List<CompletableFuture<EndpointHealth>> probes = new ArrayList<>();
        for (InteractiveQueryClient client : clients) {
            URI uri = URI.create(client.base() + InteractiveQueries.HEALTH);
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(PROBE_TIMEOUT).GET().build();
            String endpoint = client.base().toString();
            probes.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                    .thenApply(response -> new EndpointHealth(endpoint, response.statusCode() == 200, detail(response)))
                    .exceptionally(e -> new EndpointHealth(endpoint, false, "not reachable: " + rootMessage(e))));
        }
        return probes.stream().map(CompletableFuture::join).toList();
    }

    public List<String> endpoints() {
        return clients.stream().map(c -> c.base().toString()).toList();
    }

    /** Closes the connections kept open to the endpoints. */
    @Override
    public void close() {
        clients.forEach(InteractiveQueryClient::close);
    }

    private static String detail(HttpResponse<byte[]> response) {
        try {
            JsonNode body = InteractiveQueries.JSON.readTree(response.body());
            if (body != null && body.hasNonNull("state")) {
                return body.get("state").asText();
            }
            if (body != null && body.hasNonNull("error")) {
                return body.get("error").asText();
            }
        } catch (IOException e) {
            // Not the contract's JSON: the status says enough.
        }
        return "HTTP " + response.statusCode();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        // A refused connection has no message of its own.
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
