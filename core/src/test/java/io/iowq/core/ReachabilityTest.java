package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the pool keeps of an item once it has ended: nothing (its result, task and context are the caller's). */
class ReachabilityTest {

    @RegisterExtension
    final Pools pools = new Pools();

    @Test
    void anIdlePoolKeepsNothingOfTheLastItemsItRan() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        WeakReference<?>[] results = new WeakReference<?>[3];
        WeakReference<?>[] items = new WeakReference<?>[3];
        for (int i = 0; i < 3; i++) {
            Work<byte[]> item = Work.of(() -> new byte[1 << 20]);
            Work<byte[]> link = item.link(Work.of(() -> new byte[1 << 20]));
            pool.enqueue(i == 2 ? item.hashed("k") : item);
            results[i] = new WeakReference<>(link.get(10, TimeUnit.SECONDS));
            items[i] = new WeakReference<>(item);
        }
        eventually().until(() -> pool.stats().bounded().idle() == pool.stats().bounded().workers());

        eventually().until(() -> {
            System.gc();
            for (int i = 0; i < 3; i++) {
                if (results[i].get() != null || items[i].get() != null) {
                    return false;
                }
            }
            return true;
        });
    }
}
