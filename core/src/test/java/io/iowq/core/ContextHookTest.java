package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Section 2.6: the submitter's context is installed around its item and nothing of it reaches the next. */
class ContextHookTest {

    private static final ThreadLocal<String> CONTEXT = new ThreadLocal<>();

    @RegisterExtension
    final Pools pools = new Pools();

    /** Every worker thread starts with its own value. */
    private static final ThreadFactory WORKERS_WITH_OWN_CONTEXT = r -> new Thread(() -> {
        CONTEXT.set("worker's own");
        r.run();
    });

    /** Carries {@link #CONTEXT} from submitter to worker; installs nothing when the submitter has none. */
    private static final ContextHook THREAD_LOCAL_HOOK = () -> {
        String captured = CONTEXT.get();
        if (captured == null) {
            return ContextHook.Snapshot.EMPTY;
        }
        return () -> {
            String previous = CONTEXT.get();
            CONTEXT.set(captured);
            return () -> CONTEXT.set(previous);
        };
    };

    @AfterEach
    void clearContext() {
        CONTEXT.remove();
    }

    private IoWq pool(ContextHook hook) {
        return pools.start(Pools.bound(1, 1).threadFactory(WORKERS_WITH_OWN_CONTEXT).contextHook(hook));
    }

    private static Work<String> seeContext() {
        return Work.of(() -> Thread.currentThread().getName() + ": " + CONTEXT.get());
    }

    @Test
    void theSubmittersContextIsVisibleInItsItemOnly() throws Exception {
        IoWq pool = pool(THREAD_LOCAL_HOOK);
        CONTEXT.set("alice");
        Work<String> alices = seeContext();
        Work<String> alicesLink = alices.link(seeContext());
        pool.enqueue(alices);
        CONTEXT.remove();

        Work<String> nobodys = pool.enqueue(seeContext());

        assertThat(alices.get(10, TimeUnit.SECONDS)).isEqualTo("iowq-b-1: alice");
        assertThat(alicesLink.get(10, TimeUnit.SECONDS)).as("links carry their head's context")
                .isEqualTo("iowq-b-1: alice");
        assertThat(nobodys.get(10, TimeUnit.SECONDS)).as("the next item on the same worker")
                .isEqualTo("iowq-b-1: worker's own");
        assertThat(CONTEXT.get()).as("the submitter's own value is untouched").isNull();
    }

    @Test
    void eachItemSeesItsOwnSubmittersContext() throws Exception {
        IoWq pool = pool(THREAD_LOCAL_HOOK);
        CONTEXT.set("alice");
        Work<String> alices = pool.enqueue(seeContext());
        CONTEXT.set("bob");
        Work<String> bobs = pool.enqueue(seeContext());

        assertThat(alices.get(10, TimeUnit.SECONDS)).endsWith(": alice");
        assertThat(bobs.get(10, TimeUnit.SECONDS)).endsWith(": bob");
    }

    @Test
    void theContextIsRestoredAfterAnItemThatFails() throws Exception {
        IoWq pool = pool(THREAD_LOCAL_HOOK);
        CONTEXT.set("alice");
        Work<Object> failing = pool.enqueue(Work.of(() -> {
            throw new IllegalStateException(CONTEXT.get());
        }));
        CONTEXT.remove();

        Work<String> next = pool.enqueue(seeContext());

        assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo("iowq-b-1: worker's own");
        assertThat(failing.failure()).hasMessage("alice");
    }

    @Test
    void aHookWhoseInstallThrowsFailsTheItem() throws Exception {
        IllegalStateException broken = new IllegalStateException("cannot install");
        AtomicBoolean ran = new AtomicBoolean();
        IoWq pool = pool(() -> {
            if ("broken".equals(CONTEXT.get())) {
                return () -> {
                    throw broken;
                };
            }
            return THREAD_LOCAL_HOOK.capture();
        });
        CONTEXT.set("broken");
        Work<Object> item = pool.enqueue(Work.of(() -> ran.set(true)));
        CONTEXT.remove();

        Work<String> next = pool.enqueue(seeContext());

        assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo("iowq-b-1: worker's own");
        assertThat(item.state()).isEqualTo(Work.State.FAILED);
        assertThat(item.failure()).isSameAs(broken);
        assertThat(ran).as("the task never ran without its context").isFalse();
        assertThat(pool.stats().failed()).isEqualTo(1);
    }

    @Test
    void aHookWhoseRestoreThrowsIsCountedAndThePoolKeepsWorking() throws Exception {
        IoWq pool = pool(() -> () -> () -> {
            throw new IllegalStateException("cannot restore");
        });

        Work<String> first = pool.enqueue(Work.of(() -> "first"));
        Work<String> second = pool.enqueue(Work.of(() -> "second"));

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("first");
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("second");
        eventually().until(() -> pool.hookFailures() == 2 && pool.stats().completed() == 2);
        assertThat(pool.stats().bounded().workers()).isEqualTo(1);
    }

    @Test
    void theContextIsCapturedInTheSubmittingThread() throws Exception {
        IoWq pool = pool(THREAD_LOCAL_HOOK);
        Work<String>[] fromThread = new Work[1];
        Thread submitter = new Thread(() -> {
            CONTEXT.set("carol");
            fromThread[0] = pool.enqueue(seeContext());
        });
        submitter.start();
        submitter.join();

        assertThat(fromThread[0].get(10, TimeUnit.SECONDS)).endsWith(": carol");
    }

    @Test
    void theScopeOfAnItemIsToldWhenItsWorkerIsTakenAsBlockedToldAndObserved() throws Exception {
        java.util.Queue<String> told = new java.util.concurrent.ConcurrentLinkedQueue<>();
        ContextHook hook = () -> () -> new ContextHook.Scope() {
            @Override
            public void close() {
            }

            @Override
            public void blocked(boolean observed) {
                told.add((observed ? "observed " : "told ") + Thread.currentThread().getName());
            }
        };
        IoWq pool = pools.start(Pools.bound(1, 1).observeBlocking(true).contextHook(hook));
        pool.enqueue(Work.of(() -> Blocking.call(() -> {
            Thread.sleep(50);
            return null;
        }))).get(10, TimeUnit.SECONDS);
        assertThat(told).containsExactly("told iowq-b-1");

        told.clear();
        Work<Object> sleeper = pool.enqueue(Work.of(() -> {
            Thread.sleep(300); // untold: the manager sees it asleep while the next item waits
            return null;
        }));
        pool.enqueue(Work.of(() -> null));
        sleeper.get(10, TimeUnit.SECONDS);
        assertThat(told).containsExactly("observed iowq-manager");
    }
}
