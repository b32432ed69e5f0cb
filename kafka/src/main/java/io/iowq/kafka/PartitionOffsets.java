package io.iowq.kafka;

import io.iowq.core.Work;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.support.Acknowledgment;

/**
 * The offsets of one assigned partition: which records were taken from Kafka and have not yet been
 * released for commit, which of them have ended, and whether the partition is paused for having too
 * many of them.
 * <p>
 * <b>The commit rule.</b> Records are taken in offset order and end in any order (different keys
 * run in parallel). A record that has ended stays here until every record before it has ended too;
 * then it is released: the commit point moves to just past the highest released offset, and that
 * record's {@link Acknowledgment} tells the container to commit it. So the committed offset never
 * passes a record that has not ended: it is always the lowest offset not yet ended.
 * <p>
 * <b>Back-pressure.</b> The records held here (taken and not released) are the partition's records
 * in flight. When they reach {@code maxInFlight} the partition is paused in the container; when they
 * fall to half of it, it is resumed and the consumer woken so that it polls again at once.
 * <p>
 * <b>Closing.</b> When the partition is revoked or lost it is {@linkplain #close() closed}: from then
 * on nothing is acknowledged, so a record that ends late cannot commit an offset of a partition that
 * another consumer now owns.
 * <p>
 * <b>Concurrency.</b> Every field below is guarded by {@code this}; the consumer thread takes and
 * closes, worker threads end records. Acknowledging and pausing happen under the lock, so an
 * acknowledgment is either queued before {@link #close()} returns (and committed by the container
 * with the revocation) or never; neither calls user code.
 */
final class PartitionOffsets {

    /** What the partition's records look like now. */
    record Snapshot(TopicPartition partition, int inFlight, long committed, long highestFinished, boolean paused) {
    }

    /** Pauses and resumes the partition, and wakes its consumer. */
    interface FlowControl {
        void pause(TopicPartition partition);

        void resume(TopicPartition partition);
    }

    /** A record taken and not yet released. */
    private static final class Taken {
        final Acknowledgment ack;
        Work<?> work;
        boolean ended;

        Taken(Acknowledgment ack) {
            this.ack = ack;
        }
    }

    private final TopicPartition partition;
    private final int maxInFlight;
    private final FlowControl flow;

    // guarded by this
    private final TreeMap<Long, Taken> taken = new TreeMap<>();
    private long committed = -1;
    private long highestFinished = -1;
    private boolean paused;
    private boolean revoking;
    private boolean closed;

    PartitionOffsets(TopicPartition partition, int maxInFlight, FlowControl flow) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
        }
        this.partition = partition;
        this.maxInFlight = maxInFlight;
        this.flow = flow;
    }

    TopicPartition partition() {
        return partition;
    }

    /**
     * Takes the record at {@code offset}; returns {@code false} if that offset is already held and
     * was handed over for work (the container delivered it again after a seek): it is then left to
     * the work that has it. Pauses the partition when it holds {@code maxInFlight} records.
     */
    synchronized boolean take(long offset, Acknowledgment ack) {
        Taken held = taken.get(offset);
        if (held != null && held.work != null) {
            return false;
        }
        if (held == null && offset < committed) {
            return false;
        }
        taken.put(offset, new Taken(ack));
        if (committed < 0) {
            committed = offset;
        }
        if (!paused && !closed && taken.size() >= maxInFlight) {
            paused = true;
            flow.pause(partition);
        }
        return true;
    }

    /** Records that the record at {@code offset} was handed over as {@code work}. */
    synchronized void handedOver(long offset, Work<?> work) {
        Taken held = taken.get(offset);
        if (held != null && !held.ended) {
            held.work = work;
        }
    }

    /**
     * Records that the record at {@code offset} has ended, releases every record that no earlier
     * unended record holds back, and acknowledges the highest released one. Does nothing once closed.
     */
    synchronized void ended(long offset) {
        if (closed) {
            return;
        }
        Taken held = taken.get(offset);
        if (held == null || held.ended) {
            return;
        }
        held.ended = true;
        highestFinished = Math.max(highestFinished, offset);
        Map.Entry<Long, Taken> last = null;
        for (Map.Entry<Long, Taken> first = taken.firstEntry(); first != null && first.getValue().ended;
                first = taken.firstEntry()) {
            last = taken.pollFirstEntry();
        }
        if (last == null) {
            return;
        }
        committed = last.getKey() + 1;
        last.getValue().ack.acknowledge();
        if (paused && taken.size() <= maxInFlight / 2) {
            paused = false;
            flow.resume(partition);
        }
    }

    /**
     * Starts giving the partition up and returns the work of the records it holds that have not
     * ended, in offset order. Records that end from now on are still released; records whose work is
     * cancelled are not (see {@link #isRevoking()}).
     */
    synchronized List<Work<?>> revoking() {
        revoking = true;
        return taken.values().stream().filter(t -> !t.ended && t.work != null).<Work<?>>map(t -> t.work).toList();
    }

    /** Whether the partition is being given up or was. */
    synchronized boolean isRevoking() {
        return revoking || closed;
    }

    /** Closes the partition: nothing is acknowledged from now on. */
    synchronized void close() {
        closed = true;
        if (paused) {
            paused = false;
            flow.resume(partition);
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized Snapshot snapshot() {
        return new Snapshot(partition, taken.size(), committed, highestFinished, paused);
    }
}
