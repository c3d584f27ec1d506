package io.dams.notifier.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.dams.notifier.NotifierConfig;
import io.dams.notifier.Secret;
import io.dams.notifier.delivery.Outcome;
import io.dams.notifier.testing.Dispatch;
import io.dams.notifier.testing.Notifications;
import io.dams.notifier.testing.StartTlsFront;
import io.dams.schemas.avro.DeliveryOutcome;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Email against GreenMail, a real SMTP server in the test JVM. GreenMail (2.1.13) does not implement STARTTLS, so
 * the upgrade is tested through {@link StartTlsFront} in front of it, and {@code starttls: required} is shown to
 * refuse GreenMail's plain port rather than send in clear text.
 */
class EmailChannelTest {

    private static final ServerSetup SMTP = ServerSetupTest.SMTP.dynamicPort();

    @RegisterExtension
    static final GreenMailExtension GREEN_MAIL = new GreenMailExtension(SMTP).withPerMethodLifecycle(false);

    @TempDir
    static Path tmp;

    /** Issuing its certificate takes a while: one front for the class. */
    private static StartTlsFront front;

    @BeforeAll
    static void startFront() throws Exception {
        front = StartTlsFront.start(tmp, GREEN_MAIL.getSmtp().getPort());
    }

    @AfterAll
    static void stopFront() throws Exception {
        front.close();
    }

    @BeforeEach
    void emptyMailboxes() throws Exception {
        GREEN_MAIL.purgeEmailFromAllMailboxes();
    }

    private static NotifierConfig.Email email(int port, NotifierConfig.StartTls starttls, String caFile) {
        return new NotifierConfig.Email("127.0.0.1", port, starttls, "", Secret.empty(), "DAMS <dams@example.com>",
                List.of("oncall@example.com", "ops@example.com"), caFile);
    }

    private static EmailChannel channel(NotifierConfig.Email config) {
        return new EmailChannel(config, "https://dams.example.com", Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @Test
    void shouldSendAPlainTextAndAnHtmlBodyToEveryRecipient() throws Exception {
        EmailChannel channel = channel(email(GREEN_MAIL.getSmtp().getPort(), NotifierConfig.StartTls.OFF, ""));

        Delivery d = channel.deliver(Notifications.firing("n-1", List.of("email")));

        assertThat(d.result()).isEqualTo(Delivery.Result.DELIVERED);
        assertThat(d.responseStatus()).contains(250);
        MimeMessage[] received = GREEN_MAIL.getReceivedMessages();
        assertThat(received).hasSize(2); // one copy per recipient mailbox
        MimeMessage m = received[0];
        assertThat(m.getSubject()).isEqualTo("[FIRING:2] high-cpu-warning (region=eu-west-1)");
        assertThat(m.getFrom()[0].toString()).isEqualTo("DAMS <dams@example.com>");
        assertThat(List.of(m.getRecipients(Message.RecipientType.TO))).extracting(Object::toString)
                .containsExactly("oncall@example.com", "ops@example.com");
        assertThat(m.getHeader("X-DAMS-Notification-Id")).containsExactly("n-1");
        assertThat(m.getMessageID()).isEqualTo("<n-1.email@dams>");
        MimeMultipart body = (MimeMultipart) m.getContent();
        assertThat(body.getContentType()).startsWith("multipart/alternative");
        assertThat(body.getCount()).isEqualTo(2);
        assertThat(body.getBodyPart(0).getContentType()).startsWith("text/plain");
        assertThat(body.getBodyPart(1).getContentType()).startsWith("text/html");
        String text = (String) body.getBodyPart(0).getContent();
        assertThat(text).contains("Severity: warning").contains("3f2a9c01").contains("web-1")
                .contains("CPU above 90% on web-1").contains("https://dams.example.com/api/v2/alerts/3f2a9c01");
        String html = (String) body.getBodyPart(1).getContent();
        assertThat(html).contains("<table").contains("href=\"https://dams.example.com/api/v2/alerts/7b1e4d02\"");
        assertThat(GreenMailUtil.getBody(received[1])).contains("7b1e4d02");
    }

    @Test
    void shouldUpgradeWithStartTlsBeforeSending() throws Exception {
        EmailChannel channel = channel(email(front.port(), NotifierConfig.StartTls.REQUIRED,
                front.caFile().toString()));
        int upgradesBefore = front.negotiated().size();

        Delivery d = channel.deliver(Notifications.resolved("n-2", List.of("email")));

        assertThat(d.result()).as(d.toString()).isEqualTo(Delivery.Result.DELIVERED);
        assertThat(front.negotiated()).hasSize(upgradesBefore + 1);
        assertThat(front.negotiated().get(upgradesBefore)).startsWith("TLSv1.");
        assertThat(GREEN_MAIL.getReceivedMessages()).hasSize(2);
        assertThat(GREEN_MAIL.getReceivedMessages()[0].getSubject())
                .isEqualTo("[RESOLVED] high-cpu-warning (region=eu-west-1)");
    }

    @Test
    void shouldRefuseToSendInClearTextWhenStartTlsIsRequired() throws Exception {
        EmailChannel channel = channel(email(GREEN_MAIL.getSmtp().getPort(), NotifierConfig.StartTls.REQUIRED, ""));

        Delivery d = channel.deliver(Notifications.firing("n-3", List.of("email")));

        assertThat(d.result()).isEqualTo(Delivery.Result.RETRY);
        assertThat(d.error()).hasValueSatisfying(e -> assertThat(e).containsIgnoringCase("STARTTLS"));
        assertThat(GREEN_MAIL.getReceivedMessages()).isEmpty();
    }

    @Test
    void shouldNotTrustACertificateOutsideTheConfiguredCa() throws Exception {
        // The JVM's trust store does not know the test CA.
        EmailChannel channel = channel(email(front.port(), NotifierConfig.StartTls.REQUIRED, ""));

        Delivery d = channel.deliver(Notifications.firing("n-4", List.of("email")));

        assertThat(d.result()).isEqualTo(Delivery.Result.RETRY);
        assertThat(d.error()).hasValueSatisfying(e -> assertThat(e).containsIgnoringCase("certif"));
        assertThat(GREEN_MAIL.getReceivedMessages()).isEmpty();
    }

    @Test
    void shouldRetryAnUnreachableServerThenDeadLetter() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (Dispatch dispatch = new Dispatch(channel(email(closedPort, NotifierConfig.StartTls.OFF, "")),
                Dispatch.fastRetries(2))) {
            Outcome o = dispatch.deliver(Notifications.firing("n-5", List.of("email")));

            assertThat(o.outcome()).isEqualTo(DeliveryOutcome.DEAD_LETTERED);
            assertThat(o.attempts()).isEqualTo(2);
            assertThat(o.last().orElseThrow().error()).hasValueSatisfying(e -> assertThat(e)
                    .contains("Connection refused"));
        }
    }

    @Test
    void shouldRejectForGoodWhatTheServerRefusesWith5xxAndRetry4xx() throws Exception {
        // GreenMail accepts any recipient, so these replies are built as Angus reports them.
        Delivery unknownUser = EmailChannel.classify(new SendFailedException("Invalid Addresses",
                new SMTPAddressFailedException(new InternetAddress("nobody@example.com"), "RCPT TO:<nobody@example.com>",
                        550, "550 5.1.1 no such user")));
        Delivery busy = EmailChannel.classify(new SMTPSendFailedException("DATA", 451, "451 4.3.0 try again later",
                null, null, null, null));

        assertThat(unknownUser.result()).isEqualTo(Delivery.Result.REJECTED);
        assertThat(unknownUser.responseStatus()).contains(550);
        assertThat(busy.result()).isEqualTo(Delivery.Result.RETRY);
        assertThat(busy.responseStatus()).contains(451);
    }
}
