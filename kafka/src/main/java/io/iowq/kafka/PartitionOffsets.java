package io.iowq.kafka;

import io.iowq.core.Work;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
 * <b>Revoking.</b> When the partition is revoked, its records still run, and {@link #awaitSettled}
 * waits until the end of every one handed over has been reported here: not only until its work is
 * done, since a {@link Work} is done (its {@code get} returns) before its {@code whenDone} actions
 * run, and one of those reports the end here; a record whose report came after the partition closed
 * would not be acknowledged and would run again at the next owner although it ended in time. Every
 * record taken must end, not only those running: one that gave up would hold the commit point below
 * records of other keys after it that ended, and those would run again at the next owner. If the
 * revocation's time runs out first, {@link #giveUp()} makes the records not started give up and
 * names the running ones, which are interrupted.
 * <p>
 * <b>Closing.</b> When the partition is revoked or lost it is {@linkplain #close() closed}:
 * from then on nothing is acknowledged, so a record that ends late cannot commit an offset of a
 * partition that another consumer now owns. Closing returns the offset released for commit, which
 * the revocation commits once more itself (the container may have lost an earlier commit of it).
 * <p>
 * <b>Concurrency.</b> Every field below is guarded by {@code this}; the consumer thread takes and
 * closes, worker threads end records. Acknowledging and pausing happen under the lock, so an
 * acknowledgment is either queued before {@link #close()} returns (and committed with the
 * revocation) or never; neither calls user code.
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
        /** Ended and handled (or skipped): releasable. */
        boolean ended;
        /** Its work's end was reported here, releasable or not. */
        boolean settled;

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
    private boolean released;
    private boolean paused;
    private boolean revoking;
    private boolean givingUp;
    private int unsettled;
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
        if (held != null && !held.settled) {
            held.work = work;
            unsettled++;
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
        if (held == null || held.settled) {
            return;
        }
        held.ended = true;
        settle(held);
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
        released = true;
        last.getValue().ack.acknowledge();
        if (paused && taken.size() <= maxInFlight / 2) {
            paused = false;
            flow.resume(partition);
        }
    }

    /**
     * Records that the work of the record at {@code offset} ended without releasing it (it gave up
     * or failed because its partition is given up): the record is left to the partition's next owner.
     */
    synchronized void settled(long offset) {
        Taken held = taken.get(offset);
        if (held != null && !held.settled) {
            settle(held);
        }
    }

    private void settle(Taken held) {
        held.settled = true;
        if (held.work != null) {
            unsettled--;
            if (revoking && unsettled == 0) {
                notifyAll();
            }
        }
    }

    /**
     * Starts giving the partition up: its records still run and are released as they end (until the
     * partition is closed), but a record that fails is no longer retried (see {@link #isRevoking()}).
     */
    synchronized void revoking() {
        revoking = true;
    }

    /**
     * Waits until the end of every record handed over for work has been reported here ({@link #ended}
     * or {@link #settled}), or until {@code deadlineNanos} ({@link System#nanoTime()}); returns whether
     * every end was reported.
     */
    synchronized boolean awaitSettled(long deadlineNanos) throws InterruptedException {
        for (;;) {
            if (unsettled == 0) {
                return true;
            }
            long wait = deadlineNanos - System.nanoTime();
            if (wait <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, wait);
        }
    }

    /** Records handed over for work whose end has not been reported. */
    synchronized int unsettled() {
        return unsettled;
    }

    /**
     * Gives up the records that have not ended: one whose work has not started gives up when it
     * starts (it sees {@link #isGivingUp()}); returns the work of those that have started, which
     * the caller interrupts.
     */
    synchronized List<Work<?>> giveUp() {
        givingUp = true;
        List<Work<?>> started = new ArrayList<>();
        for (Taken t : taken.values()) {
            if (t.work != null && !t.settled && t.work.state() != Work.State.PENDING) {
                started.add(t.work);
            }
        }
        return started;
    }

    /** Whether the partition is being given up or was: a record that fails is not retried. */
    synchronized boolean isRevoking() {
        return revoking || closed;
    }

    /** Whether a record that has not started must give up: its partition was given up. */
    synchronized boolean isGivingUp() {
        return givingUp || closed;
    }

    /**
     * Closes the partition: nothing is acknowledged from now on. Returns the offset released for
     * commit (every record before it has ended), or {@code -1} if no record was released.
     */
    synchronized long close() {
        closed = true;
        if (paused) {
            paused = false;
            flow.resume(partition);
        }
        return released ? committed : -1;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized Snapshot snapshot() {
        return new Snapshot(partition, taken.size(), committed, highestFinished, paused);
    }
}
