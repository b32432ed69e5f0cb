package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A class's queue capacity bounds what waits: beyond it a submission is refused, counted, and told. */
class QueueCapacityTest {

    @RegisterExtension
    final Pools pools = new Pools();

    @Test
    void aSubmissionBeyondTheCapacityIsRefusedAndCounted() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1).queueCapacity(WorkClass.BOUND, 2));
        Gate held = Gate.occupying(pool);
        Work<String> first = pool.enqueue(Work.of(() -> "1"));
        Work<String> second = pool.enqueue(Work.of(() -> "2").hashed("k"));

        assertThatThrownBy(() -> pool.enqueue(Work.of(() -> "3").hashed("k").describedAs("third")))
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessage("iowq: the bounded queue is full (queue capacity 2): refused third");
        assertThat(pool.enqueue(Work.of(() -> "u").unbound()).get(10, TimeUnit.SECONDS))
                .as("the other class has its own bound").isEqualTo("u");

        held.open();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("1");
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("2");
        assertThat(pool.enqueue(Work.of(() -> "room again")).get(10, TimeUnit.SECONDS)).isEqualTo("room again");
        Pools.eventually().until(() -> pool.stats().completed() == 5); // the gate's item, 1, 2, u and this one
        assertThat(pool.stats().rejected()).isEqualTo(1);
        assertThat(pool.stats().submitted()).isEqualTo(5);
    }

    @Test
    void aCapacityBelowOneIsRefusedByTheBuilder() {
        assertThatThrownBy(() -> IoWqConfig.builder().queueCapacity(WorkClass.UNBOUND, 0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unbounded queueCapacity must be at least 1, was 0");
    }

    /** Keys of refused submissions leave nothing behind: the key map follows the keys in flight. */
    @Test
    void refusedKeyedSubmissionsLeaveNoKeyBehind() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1).queueCapacity(WorkClass.BOUND, 1));
        Gate held = Gate.occupying(pool);
        pool.enqueue(Work.of(() -> "fills the queue"));
        for (int i = 0; i < 10_000; i++) {
            int key = i;
            assertThatThrownBy(() -> pool.enqueue(Work.of(() -> "refused").hashed("k" + key)))
                    .isInstanceOf(RejectedExecutionException.class);
        }

        assertThat(keyMapSize(pool.accounts()[0])).isZero();
        held.open();
    }

    private static int keyMapSize(Account account) throws ReflectiveOperationException {
        java.lang.reflect.Field keys = Account.class.getDeclaredField("keys");
        keys.setAccessible(true);
        return ((java.util.Map<?, ?>) keys.get(account)).size();
    }
}
