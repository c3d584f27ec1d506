package io.dams.notifier.channel;

import io.dams.schemas.avro.Notification;

/**
 * One configured way of telling people about an alert group: Slack, PagerDuty, email or a named webhook. A channel
 * makes one attempt per call; retries, rate limits and the delivery log are the dispatcher's job.
 */
public interface Channel {

    /** The configured name, as rules and the delivery log name it: slack, pagerduty, email, or the webhook's name. */
    String name();

    /** Where deliveries go, without secrets: a host name, or the recipients' addresses. */
    String receiver();

    /**
     * Makes one attempt. Problems of the receiver or the network are a {@link Delivery}, never an exception.
     *
     * @throws InterruptedException when the notifier stops during the attempt; the attempt is then abandoned
     */
    Delivery deliver(Notification notification) throws InterruptedException;
}
