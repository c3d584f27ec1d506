package io.dams.query.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.dams.query.assets.AssetJson;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Writes a JSON response rendered whole first, so that it goes out in one piece with its length. */
public final class JsonResponse {

    /** Writes the body with the streaming generator. */
    @FunctionalInterface
    public interface Body {
        void write(JsonGenerator gen) throws IOException;
    }

    private JsonResponse() {
    }

    public static void send(Context ctx, int status, Body body) {
        ctx.status(status).contentType("application/json").result(render(body));
    }

    public static byte[] render(Body body) {
        ByteArrayBuilder out = new ByteArrayBuilder(512);
        try (JsonGenerator gen = AssetJson.FACTORY.createGenerator(out)) {
            body.write(gen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
