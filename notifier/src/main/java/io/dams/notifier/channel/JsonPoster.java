package io.dams.notifier.channel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * POSTs a JSON body over the JDK's HTTP client and says what the answer means for delivery: 2xx delivered; 408, 429
 * and 5xx (and network failures, timeouts) worth a retry, honouring {@code Retry-After}; any other status refused for
 * good. Redirects are not followed: a webhook that redirects is misconfigured, and following it could send the
 * payload (and its signature) somewhere unexpected.
 */
public final class JsonPoster {

    /** How much of a refusal's body goes into the delivery log's error. */
    private static final int ERROR_BODY_CHARS = 200;
    static final String USER_AGENT = "dams-notifier/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final Duration requestTimeout;
    private final Clock clock;

    public JsonPoster(HttpClient client, Duration requestTimeout, Clock clock) {
        this.client = client;
        this.requestTimeout = requestTimeout;
        this.clock = clock;
    }

    /** An HTTP client for channels: no redirects, the given connection timeout. */
    public static HttpClient client(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Posts {@code body} with {@code headers} (Content-Type and User-Agent are set here) and classifies the answer. */
    public Delivery post(URI uri, byte[] body, Map<String, String> headers) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", USER_AGENT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            return Delivery.retry(null, "connection to " + uri.getHost() + " timed out");
        } catch (HttpTimeoutException e) {
            return Delivery.retry(null, "no answer from " + uri.getHost() + " within " + requestTimeout.toMillis() + " ms");
        } catch (ConnectException e) {
            return Delivery.retry(null, "cannot connect to " + uri.getHost() + ":" + port(uri) + " ("
                    + (e.getMessage() == null ? "refused" : e.getMessage()) + ")");
        } catch (IOException e) {
            return Delivery.retry(null, "request to " + uri.getHost() + " failed: " + e);
        }
        return classify(response.statusCode(), response.headers().firstValue("Retry-After"), response.body(),
                clock.instant());
    }

    /** What an HTTP answer means for delivery. */
    static Delivery classify(int status, Optional<String> retryAfterHeader, String body, Instant now) {
        if (status >= 200 && status < 300) {
            return Delivery.delivered(status);
        }
        String error = "HTTP " + status + errorBody(body);
        if (status == 408 || status == 429 || status >= 500) {
            return Delivery.retry(status, error, retryAfterHeader.flatMap(h -> retryAfter(h, now)));
        }
        if (status >= 300 && status < 400) {
            return Delivery.rejected(status, error + " (redirects are not followed; configure the final URL)");
        }
        return Delivery.rejected(status, error);
    }

    /** A {@code Retry-After} value: delay-seconds or an HTTP date (RFC 9110 §10.2.3); empty when unreadable. */
    static Optional<Duration> retryAfter(String header, Instant now) {
        String value = header.strip();
        try {
            long seconds = Long.parseLong(value);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(now, at);
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
    }

    private static String errorBody(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String oneLine = body.strip().replaceAll("\\s+", " ");
        return ": " + NotificationText.truncate(oneLine, ERROR_BODY_CHARS);
    }

    /** A JSON document as the UTF-8 bytes that are sent (and signed). */
    public static byte[] bytes(JsonNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code host} or {@code host:port} of a URL, for the delivery log: never its path or query, which may hold a token. */
    public static String hostOf(URI uri) {
        return uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equals(uri.getScheme()) ? 443 : 80;
    }
}
