package io.dams.query;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client of a server-sent event stream over java.net.http, reading it line by line as the WHATWG parser does:
 * comments ({@code : ...}) and events ({@code event:} and {@code data:} lines ended by a blank line).
 */
final class SseStream implements AutoCloseable {

    /** One thing read from the stream: a comment, or an event with its name and data. */
    record Item(String comment, String event, String data) {
        boolean isComment() {
            return comment != null;
        }
    }

    final HttpResponse<InputStream> response;
    private final BufferedReader reader;

    private SseStream(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    /** Opens the stream with {@code Accept: text/event-stream} and, when given, {@code Authorization}. */
    static SseStream open(URI uri, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Accept", "text/event-stream").GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            return new SseStream(http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int status() {
        return response.statusCode();
    }

    /** The next comment or event; null at the end of the stream. */
    Item next() {
        try {
            String event = null;
            StringBuilder data = null;
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        return new Item(null, event == null ? "message" : event, data.toString());
                    }
                    continue;
                }
                if (line.startsWith(":")) {
                    if (data == null && event == null) {
                        return new Item(line.substring(1).strip(), null, null);
                    }
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
                if (field.equals("event")) {
                    event = value;
                } else if (field.equals("data")) {
                    data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next event, skipping comments; null at the end of the stream. */
    Item nextEvent() {
        Item item;
        do {
            item = next();
        } while (item != null && item.isComment());
        return item;
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException e) {
            // Going away anyway.
        }
    }
}
