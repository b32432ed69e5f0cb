package io.iowq.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
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
        offsets.handedOver(0, io.iowq.core.Work.of(() -> null));
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
        offsets.close();
        assertThat(flow).containsExactly("pause", "resume");
    }
}
