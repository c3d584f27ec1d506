package io.dams.runtime.queue;

import io.dams.runtime.config.ByteSize;
import java.nio.file.Path;

/**
 * Child process of {@link DiskQueueTest}: appends records to the queue in {@code args[0]} until it is killed, printing
 * each id once {@link DiskQueue#append} has returned it.
 */
final class DiskQueueAppender {

    private DiskQueueAppender() {
    }

    public static void main(String[] args) {
        DiskQueue queue = DiskQueue.open(Path.of(args[0]), ByteSize.ofMebibytes(16));
        byte[] record = new byte[512];
        while (true) {
            System.out.println(queue.append(record));
            System.out.flush();
        }
    }
}
