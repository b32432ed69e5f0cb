package io.iowq.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.core.Work;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.support.Acknowledgment;

class PartitionOffsetsTests {

    private static final TopicPartition TP = new TopicPartition("t", 0);

    private final List<Long> acked = new ArrayList<>();
    private final List<String> flow = new ArrayList<>();
    private final PartitionOffsets offsets = new PartitionOffsets(TP, 4, new PartitionOffsets.FlowControl() {
        @Override
        public void pause(TopicPartition partition) {
            flow.add("pause");
        }

        @Override
        public void resume(TopicPartition partition) {
            flow.add("resume");
        }
    });

    private Acknowledgment ack(long offset) {
        return () -> acked.add(offset);
    }

    private void take(long... taken) {
        for (long offset : taken) {
            assertThat(offsets.take(offset, ack(offset))).isTrue();
        }
    }

    @Test
    void commitsAdvanceOnlyToTheLowestRecordThatHasNotEnded() {
        take(10, 11, 12);
        offsets.ended(12);
        offsets.ended(11);
        assertThat(acked).isEmpty();
        assertThat(offsets.snapshot().committed()).isEqualTo(10);
        assertThat(offsets.snapshot().highestFinished()).isEqualTo(12);
        offsets.ended(10);
        assertThat(acked).containsExactly(12L);
        assertThat(offsets.snapshot().committed()).isEqualTo(13);
        assertThat(offsets.snapshot().inFlight()).isZero();
    }

    @Test
    void pausesAtMaxInFlightAndResumesAtHalf() {
        take(0, 1, 2);
        assertThat(flow).isEmpty();
        take(3);
        assertThat(flow).containsExactly("pause");
        assertThat(offsets.snapshot().paused()).isTrue();
        offsets.ended(0);
        assertThat(flow).containsExactly("pause");
        offsets.ended(1);
        assertThat(flow).containsExactly("pause", "resume");
        assertThat(offsets.snapshot().paused()).isFalse();
    }

    @Test
    void aRecordHandedOverIsNotTakenAgainAndOneReleasedIsSkipped() {
        take(0, 1);
        offsets.handedOver(0, Work.of(() -> null));
        assertThat(offsets.take(0, ack(0))).isFalse();
        assertThat(offsets.take(1, ack(1))).isTrue(); // not handed over (refused by the pool): taken again
        offsets.ended(0);
        offsets.ended(1);
        assertThat(offsets.take(1, ack(1))).isFalse();
        assertThat(acked).containsExactly(0L, 1L);
    }

    @Test
    void nothingIsAcknowledgedOnceClosed() {
        take(0, 1);
        offsets.revoking();
        offsets.ended(0);
        assertThat(acked).containsExactly(0L);
        offsets.close();
        offsets.ended(1);
        assertThat(acked).containsExactly(0L);
        assertThat(offsets.isRevoking()).isTrue();
    }

    @Test
    void closingAPausedPartitionResumesIt() {
        take(0, 1, 2, 3);
        assertThat(offsets.close()).as("nothing released").isEqualTo(-1);
        assertThat(flow).containsExactly("pause", "resume");
    }

    @Test
    void closingReturnsTheOffsetReleasedForCommit() {
        take(5, 6, 7);
        offsets.ended(5);
        offsets.ended(7);
        assertThat(offsets.close()).isEqualTo(6);
    }

    /**
     * A work is done (its {@code get} returns) before its {@code whenDone} actions run, and one of
     * them reports its end here: a revocation waits for that report of every record handed over, or
     * a record handled in time would not be released and would run again at the next owner.
     */
    @Test
    void revokingWaitsForTheEndOfEveryRecordHandedOverToBeReported() throws Exception {
        take(0, 1, 2);
        Work<Object> done = Work.of(() -> null);
        done.run(); // done, its end not reported yet
        offsets.handedOver(0, done);
        offsets.handedOver(1, Work.of(() -> null)); // waiting behind its key
        offsets.handedOver(2, Work.of(() -> null));
        offsets.revoking();
        assertThat(offsets.awaitSettled(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50)))
                .as("no end reported by the deadline").isFalse();
        assertThat(offsets.unsettled()).isEqualTo(3);
        Thread reporter = new Thread(() -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            offsets.ended(0);
            offsets.ended(2);
            offsets.settled(1); // failed: not released
        });
        reporter.start();
        long before = System.nanoTime();
        assertThat(offsets.awaitSettled(System.nanoTime() + TimeUnit.SECONDS.toNanos(10))).isTrue();
        assertThat(System.nanoTime() - before).as("waited for the reports").isGreaterThan(TimeUnit.MILLISECONDS.toNanos(90));
        reporter.join();
        assertThat(acked).containsExactly(0L);
        assertThat(offsets.close()).as("record 1 failed: it and what follows are left to the next owner").isEqualTo(1);
    }

    @Test
    void givingUpNamesTheStartedRecordsToInterruptAndMakesTheOthersGiveUp() {
        take(0, 1, 2);
        Work<Object> started = Work.of(() -> null);
        started.run();
        offsets.handedOver(0, started);
        offsets.handedOver(1, Work.of(() -> null));
        offsets.ended(2);
        offsets.revoking();
        assertThat(offsets.isGivingUp()).isFalse();
        assertThat(offsets.giveUp()).containsExactly(started);
        assertThat(offsets.isGivingUp()).isTrue();
    }
}
