package io.dams.notifier.channel;

import io.dams.notifier.Secret;
import io.dams.schemas.avro.Notification;
import java.net.URI;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;

/**
 * Posts the Alertmanager webhook v4 body ({@link AlertmanagerPayload}) to a named receiver. With an HMAC secret,
 * each request carries {@value #SIGNATURE_HEADER}{@code : sha256=<hex>}, the lower-case hex HMAC-SHA256 of the exact
 * body bytes under the secret (as GitHub's {@code X-Hub-Signature-256}); a receiver recomputes it over the raw body
 * and compares in constant time. Every request also carries {@value #NOTIFICATION_ID_HEADER}.
 */
public final class WebhookChannel implements Channel {

    public static final String SIGNATURE_HEADER = "X-DAMS-Signature";
    public static final String NOTIFICATION_ID_HEADER = "X-DAMS-Notification-Id";

    private final String name;
    private final URI url;
    private final Secret hmacSecret;
    private final int maxAlerts;
    private final String externalUrl;
    private final JsonPoster poster;

    public WebhookChannel(String name, URI url, Secret hmacSecret, int maxAlerts, String externalUrl, JsonPoster poster) {
        this.name = name;
        this.url = url;
        this.hmacSecret = hmacSecret;
        this.maxAlerts = maxAlerts;
        this.externalUrl = externalUrl;
        this.poster = poster;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String receiver() {
        return JsonPoster.hostOf(url);
    }

    @Override
    public Delivery deliver(Notification notification) throws InterruptedException {
        byte[] body = JsonPoster.bytes(AlertmanagerPayload.of(notification, name, externalUrl, maxAlerts));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(NOTIFICATION_ID_HEADER, notification.getNotificationId());
        if (!hmacSecret.isEmpty()) {
            headers.put(SIGNATURE_HEADER, signature(hmacSecret, body));
        }
        return poster.post(url, body, headers);
    }

    /** {@code sha256=<hex of HMAC-SHA256(secret, body)>}. */
    public static String signature(Secret secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
