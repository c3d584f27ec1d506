package io.dams.notifier.channel;

import io.dams.notifier.NotifierConfig;
import io.dams.schemas.avro.Notification;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Sends notifications as email over SMTP (Jakarta Mail, Eclipse Angus): a {@code multipart/alternative} message with
 * a plain-text and an HTML body ({@link EmailMessage}), upgraded to TLS with STARTTLS as configured. With
 * {@code starttls: required} nothing is sent over a connection the server did not upgrade (no downgrade).
 *
 * <p>The Message-ID is derived from the notification id ({@code <notification_id.email@dams>}), and the id is in
 * the {@code X-DAMS-Notification-Id} header, so that a duplicate after a crash can be recognised. SMTP 4xx replies,
 * connection failures, timeouts and authentication failures are retried; 5xx replies (e.g. an unknown recipient) are
 * refused for good.
 */
public final class EmailChannel implements Channel {

    private final NotifierConfig.Email config;
    private final String externalUrl;
    private final Session session;
    private final InternetAddress from;
    private final InternetAddress[] to;

    public EmailChannel(NotifierConfig.Email config, String externalUrl, Duration connectTimeout, Duration timeout) {
        this.config = config;
        this.externalUrl = externalUrl;
        this.session = Session.getInstance(properties(config, connectTimeout, timeout));
        try {
            this.from = new InternetAddress(config.from(), true);
            this.to = InternetAddress.parse(String.join(",", config.to()), true);
        } catch (MessagingException e) {
            throw new IllegalArgumentException("alerting.email: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return NotifierConfig.EMAIL;
    }

    /** The recipients, and the server they go through. */
    @Override
    public String receiver() {
        return String.join(", ", config.to()) + " via " + config.host() + ":" + config.port();
    }

    @Override
    public Delivery deliver(Notification notification) throws InterruptedException {
        Delivery delivery;
        try {
            MimeMessage message = message(notification);
            try (Transport transport = session.getTransport("smtp")) {
                if (config.username().isBlank()) {
                    transport.connect(config.host(), config.port(), null, null);
                } else {
                    transport.connect(config.host(), config.port(), config.username(), config.password().reveal());
                }
                transport.sendMessage(message, message.getAllRecipients());
                delivery = Delivery.delivered(transport instanceof SMTPTransport smtp ? smtp.getLastReturnCode() : null);
            }
        } catch (MessagingException e) {
            delivery = classify(e);
        }
        // An SMTP conversation cannot be interrupted; a stop during it is noticed here.
        if (Thread.interrupted()) {
            throw new InterruptedException("stopped during an SMTP conversation");
        }
        return delivery;
    }

    /** The message for a notification, with its Message-ID derived from the notification id. */
    MimeMessage message(Notification n) throws MessagingException {
        EmailMessage content = EmailMessage.of(n, externalUrl);
        String messageId = "<" + n.getNotificationId().replaceAll("[^A-Za-z0-9._-]", "_") + ".email@dams>";
        MimeMessage message = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", messageId);
            }
        };
        message.setFrom(from);
        message.setRecipients(Message.RecipientType.TO, to);
        message.setSubject(content.subject(), StandardCharsets.UTF_8.name());
        message.setSentDate(new java.util.Date(n.getCreatedAt()));
        message.setHeader(WebhookChannel.NOTIFICATION_ID_HEADER, n.getNotificationId());
        message.setHeader("X-DAMS-Group-Key", n.getGroupKey());
        MimeMultipart alternative = new MimeMultipart("alternative");
        MimeBodyPart text = new MimeBodyPart();
        text.setText(content.text(), StandardCharsets.UTF_8.name(), "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(content.html(), StandardCharsets.UTF_8.name(), "html");
        // Least preferred first (RFC 2046 §5.1.4).
        alternative.addBodyPart(text);
        alternative.addBodyPart(html);
        message.setContent(alternative);
        message.saveChanges();
        return message;
    }

    /** What a failed SMTP conversation means for delivery. */
    static Delivery classify(MessagingException e) {
        Optional<Integer> code = replyCode(e);
        String error = describe(e);
        if (code.isPresent()) {
            int c = code.get();
            return c >= 500 && c < 600 ? Delivery.rejected(c, "SMTP " + error) : Delivery.retry(c, "SMTP " + error);
        }
        if (e instanceof AuthenticationFailedException) {
            return Delivery.retry(null, "SMTP authentication failed: " + e.getMessage());
        }
        if (e instanceof SendFailedException sfe && sfe.getInvalidAddresses() != null
                && sfe.getInvalidAddresses().length > 0) {
            return Delivery.rejected(null, "invalid recipients: " + List.of(sfe.getInvalidAddresses()));
        }
        return Delivery.retry(null, error);
    }

    private static Optional<Integer> replyCode(MessagingException e) {
        for (Exception x = e; x != null; x = x instanceof MessagingException m ? m.getNextException() : null) {
            if (x instanceof SMTPSendFailedException s && s.getReturnCode() > 0) {
                return Optional.of(s.getReturnCode());
            }
            if (x instanceof SMTPAddressFailedException a && a.getReturnCode() > 0) {
                return Optional.of(a.getReturnCode());
            }
        }
        return Optional.empty();
    }

    private static String describe(MessagingException e) {
        Throwable cause = e.getCause();
        if (cause instanceof SocketTimeoutException) {
            return "SMTP server did not answer in time: " + cause.getMessage();
        }
        String message = String.valueOf(e.getMessage()).strip();
        if (cause != null && cause != e && cause.getMessage() != null && !message.contains(cause.getMessage().strip())) {
            message += " (" + cause + ")";
        }
        return message.replaceAll("\\s+", " ").strip();
    }

    private static Properties properties(NotifierConfig.Email config, Duration connectTimeout, Duration timeout) {
        Properties p = new Properties();
        p.put("mail.transport.protocol", "smtp");
        p.put("mail.smtp.host", config.host());
        p.put("mail.smtp.port", Integer.toString(config.port()));
        p.put("mail.smtp.connectiontimeout", Long.toString(connectTimeout.toMillis()));
        p.put("mail.smtp.timeout", Long.toString(timeout.toMillis()));
        p.put("mail.smtp.writetimeout", Long.toString(timeout.toMillis()));
        try {
            // The envelope sender (MAIL FROM) is the bare address, without a display name.
            p.put("mail.smtp.from", new InternetAddress(config.from(), true).getAddress());
        } catch (MessagingException e) {
            throw new IllegalArgumentException("alerting.email.from: " + e.getMessage(), e);
        }
        p.put("mail.smtp.auth", Boolean.toString(!config.username().isBlank()));
        p.put("mail.smtp.starttls.enable", Boolean.toString(config.starttls() != NotifierConfig.StartTls.OFF));
        p.put("mail.smtp.starttls.required", Boolean.toString(config.starttls() == NotifierConfig.StartTls.REQUIRED));
        p.put("mail.smtp.ssl.checkserveridentity", "true");
        p.put("mail.smtp.ssl.protocols", "TLSv1.3 TLSv1.2");
        if (!config.caFile().isBlank()) {
            p.put("mail.smtp.ssl.socketFactory", trusting(Path.of(config.caFile())).getSocketFactory());
        }
        return p;
    }

    /** A TLS context that trusts exactly the certificates in a PEM file. */
    static SSLContext trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new IllegalArgumentException("alerting.email.ca_file: no certificate in " + caFile);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("alerting.email.ca_file: cannot read " + caFile, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("alerting.email.ca_file: " + caFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "email to " + config.to().stream().collect(Collectors.joining(", "));
    }
}
