package io.dams.notifier.delivery;

/** Where a dispatcher reports what became of each job. Called on the dispatcher's thread, outside its lock. */
public interface OutcomeSink {

    /** The job has a final outcome: record it. */
    void finished(Outcome outcome);

    /** The delivery log already holds an outcome for this notification and channel: nothing was sent. */
    void alreadyDone(DeliveryJob job);
}
