package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static io.iowq.core.Pools.throughout;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Section 2.4: exact keys, one item of a key at a time, in order, and fair between keys. */
class HashedWorkTest {

    @RegisterExtension
    final Pools pools = new Pools();

    private final Queue<String> order = new ConcurrentLinkedQueue<>();
    private final Gate gate = new Gate();

    private Work<String> logged(String name) {
        return Work.of(() -> {
            order.add(name);
            return Thread.currentThread().getName();
        });
    }

    @Test
    void keysWithEqualHashCodesButNotEqualDoNotWaitOnEachOther() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        Work<String> a = gate.enter(pool, Work.of(gate.task()).hashed(new CollidingKey("a")));

        Work<String> b = pool.enqueue(logged("b").hashed(new CollidingKey("b")));

        b.get(10, TimeUnit.SECONDS);
        assertThat(a.isDone()).isFalse();
        eventually().until(() -> pool.stats().activeKeys() == 1);
        gate.open();
        a.get(10, TimeUnit.SECONDS);
    }

    @Test
    void anEqualKeyWaitsEvenWhenItIsAnotherInstance() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        Work<String> first = gate.enter(pool, Work.of(gate.task()).hashed(new CollidingKey("k")));

        Work<String> second = pool.enqueue(logged("second").hashed(new CollidingKey("k")));

        throughout(Duration.ofMillis(150)).until(() -> !second.isDone());
        assertThat(pool.stats().pending()).isEqualTo(1);
        gate.open();
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(first.get(10, TimeUnit.SECONDS));
    }

    @Test
    void itemsOfOneKeyNeverRunAtOnceAndRunInSubmissionOrder() throws Exception {
        IoWq pool = pools.start(Pools.bound(4, 4));
        AtomicInteger inKey = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<Integer> ran = new ArrayList<>();
        List<Work<Object>> items = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = i;
            items.add(pool.enqueue(Work.of(() -> {
                mostAtOnce.accumulateAndGet(inKey.incrementAndGet(), Math::max);
                ran.add(n); // unsynchronized on purpose: safe only if the key serializes
                Blocking.run(() -> LockSupport.parkNanos(100_000));
                inKey.decrementAndGet();
                return null;
            }).hashed("key")));
            pool.enqueue(Work.of(() -> LockSupport.parkNanos(50_000)));
        }
        for (Work<Object> w : items) {
            w.get(10, TimeUnit.SECONDS);
        }

        assertThat(mostAtOnce.get()).isEqualTo(1);
        assertThat(ran).hasSize(40).isSorted();
    }

    @Test
    void theItemsThatWaitForAKeyRunBackToBackOnOneWorker() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        Pools.idleWorkers(pool, 2);
        Work<String> head = gate.enter(pool, Work.of(gate.task()).hashed("k"));
        List<Work<String>> chain = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            chain.add(pool.enqueue(logged("k#" + i).hashed("k")));
        }

        gate.open();

        String worker = head.get(10, TimeUnit.SECONDS);
        for (Work<String> w : chain) {
            assertThat(w.get(10, TimeUnit.SECONDS)).isEqualTo(worker);
        }
        assertThat(order).containsExactly("k#1", "k#2", "k#3", "k#4", "k#5");
    }

    @Test
    void aKeyYieldsToOtherWorkAfterTheItemsThatWaitedWhenItWasTaken() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        List<Work<?>> all = new ArrayList<>();
        all.add(pool.enqueue(Work.of(() -> {
            order.add("k1#0");
            gate.pass();
            return null;
        }).hashed("k1")));
        eventually().until(gate::reached);
        AtomicReference<List<Work<?>>> submittedInside = new AtomicReference<>();
        all.add(pool.enqueue(Work.of(() -> {
            order.add("k1#1");
            submittedInside.set(List.of(pool.enqueue(logged("k1#4").hashed("k1")),
                    pool.enqueue(logged("k3#0").hashed("k3"))));
            return null;
        }).hashed("k1")));
        all.add(pool.enqueue(logged("k1#2").hashed("k1")));
        all.add(pool.enqueue(logged("k1#3").hashed("k1")));
        all.add(pool.enqueue(logged("k2#0").hashed("k2")));

        gate.open();

        for (Work<?> w : all) {
            w.get(10, TimeUnit.SECONDS);
        }
        for (Work<?> w : submittedInside.get()) {
            w.get(10, TimeUnit.SECONDS);
        }
        // k1#0 was taken alone; k1#1 found k1#2 and k1#3 waiting; k1#4 came later, behind k3.
        assertThat(order).containsExactly("k1#0", "k2#0", "k1#1", "k1#2", "k1#3", "k3#0", "k1#4");
    }

    @Test
    void aKeyThatKeepsGettingWorkDoesNotStarveOtherKeys() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        AtomicInteger hotRuns = new AtomicInteger();
        AtomicInteger hotRunsBeforeCold = new AtomicInteger(-1);
        class Hot implements java.util.concurrent.Callable<Object> {
            @Override
            public Object call() throws Exception {
                if (hotRuns.incrementAndGet() == 1) {
                    gate.pass();
                }
                if (hotRuns.get() < 1_000) {
                    pool.enqueue(Work.of(new Hot()).hashed("hot"));
                    pool.enqueue(Work.of(new Hot()).hashed("hot"));
                }
                return null;
            }
        }
        pool.enqueue(Work.of(new Hot()).hashed("hot"));
        eventually().until(gate::reached);
        Work<Object> cold = pool.enqueue(Work.of(() -> hotRunsBeforeCold.set(hotRuns.get())).hashed("cold"));

        gate.open();

        cold.get(10, TimeUnit.SECONDS);
        assertThat(hotRunsBeforeCold.get()).isLessThanOrEqualTo(3);
        eventually().until(() -> pool.stats().activeKeys() == 0);
    }

    @Test
    void aKeyIsForgottenWhenItsChainEmpties() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        gate.enter(pool, Work.of(gate.task()));
        List<Work<String>> items = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            for (int i = 0; i < 3; i++) {
                items.add(pool.enqueue(logged(k + "#" + i).hashed(new CollidingKey("key" + k))));
            }
        }
        assertThat(pool.stats().activeKeys()).isEqualTo(5);
        assertThat(pool.stats().pending()).isEqualTo(15);

        gate.open();

        for (Work<String> w : items) {
            w.get(10, TimeUnit.SECONDS);
        }
        eventually().until(() -> pool.stats().activeKeys() == 0 && pool.stats().pending() == 0);
        for (int k = 0; k < 2_000; k++) {
            pool.enqueue(Work.of(() -> null).hashed("many-" + k));
        }
        eventually().until(() -> pool.stats().completed() == 2_016 && pool.stats().activeKeys() == 0);
    }

    @Test
    void itemsOfAKeyFromSeveralThreadsRunOneAtATime() throws Exception {
        IoWq pool = pools.start(Pools.quiet());
        List<Work<String>> items = new ArrayList<>();
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int n = t;
            Thread submitter = new Thread(() -> {
                Work<String> w = n == 0 ? Work.of(gate.task()) : logged("from " + n);
                synchronized (items) {
                    items.add(pool.enqueue(w.hashed("shared")));
                }
            });
            submitters.add(submitter);
            submitter.start();
            submitter.join();
            if (n == 0) {
                eventually().until(gate::reached);
            }
        }

        throughout(Duration.ofMillis(150)).until(order::isEmpty);
        assertThat(pool.stats().activeKeys()).isEqualTo(1);
        gate.open();
        for (Work<String> w : items) {
            w.get(10, TimeUnit.SECONDS);
        }
        assertThat(order).containsExactly("from 1", "from 2", "from 3");
    }
}
