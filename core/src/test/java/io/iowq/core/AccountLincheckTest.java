package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Model checking of one account: submitters, two workers (played by the checker's threads through
 * the thread-less worker seam) and cancellers interleaved in every way the checker explores.
 * Properties, checked after every interleaving by {@link Account#invariantViolation()}:
 * <ul>
 * <li>per-key chains: a key is either owned by one worker or has exactly one head in the run queue,
 *     and no worker runs hashed work without owning its key (never two items of a key at once);</li>
 * <li>cancel against take: {@code pending} matches what waits, whichever of cancel (by key, or
 *     {@code Future.cancel} racing outside the lock) and take wins;</li>
 * <li>free-list wake against park: a worker on the free list is not counted running, and runnable
 *     work never sits in the queue while no worker runs (no lost wake-up);</li>
 * <li>standing by: a worker that stands by is running, holds no item, is neither free nor on its
 *     way, and is counted once (a worker's turn plays one standby period; every item of the model
 *     is timed and tiny, and three scenarios are there to reach it: {@link #theStandbyScenariosStandBy});</li>
 * <li>a burst's wake passed on: runnable work never waits while fewer than the concurrency target
 *     run, a worker is free, and none is on its way (a submitter that saw one on its way woke
 *     nobody, so that one must wake the next).</li>
 * </ul>
 * The operations' results must also be linearizable: each interleaving's results equal those of
 * some sequential order.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:1")
public class AccountLincheckTest {

    private static final IoWq POOL = new IoWq(IoWqConfig.builder().nodes(1).observeBlocking(false)
            .threadNamePrefix("lincheck-").build());
    private static final IoWqConfig LIMITS = IoWqConfig.builder().nodes(1)
            .maxWorkers(WorkClass.BOUND, 2).concurrency(WorkClass.BOUND, 2).build();

    private final Account account = new Node(POOL, 0, LIMITS).account(WorkClass.BOUND);
    private final Worker w0 = account.addWorkerWithoutThread();
    private final Worker w1 = account.addWorkerWithoutThread();
    /** An item only {@link #submitTarget} submits and {@link #cancelTargetByFuture} cancels. */
    private final Work<?> target = Work.of(() -> null).describedAs("t");

    public AccountLincheckTest() {
        account.stepWithoutThread(w0); // both start idle on the free list
        account.stepWithoutThread(w1);
    }

    @Operation
    public boolean submitKeyed(@Param(name = "key") int key) {
        return submit(Work.of(() -> null).hashed(key).describedAs("k" + key));
    }

    @Operation
    public boolean submitPlain() {
        return submit(Work.of(() -> null).describedAs("p"));
    }

    /**
     * Submits the target item; {@code false} if it cannot be (submitted already, or cancelled before
     * its submission).
     */
    @Operation
    public boolean submitTarget() {
        try {
            return submit(target);
        } catch (IllegalStateException alreadySubmittedOrEnded) {
            return false;
        }
    }

    private boolean submit(Work<?> work) {
        return account.enqueue(work, true, ContextHook.Snapshot.EMPTY);
    }

    @Operation(nonParallelGroup = "w0")
    public String step0() {
        return step(w0);
    }

    @Operation(nonParallelGroup = "w1")
    public String step1() {
        return step(w1);
    }

    /** The worker's item (if any) returns, then the worker takes its next turn. */
    private String step(Worker w) {
        Work<?> current = w.current;
        if (current != null) {
            current.end(Work.State.RUNNING, Work.State.COMPLETED, null);
        }
        Work<?> next = account.stepWithoutThread(w);
        return next == null ? null : next.description();
    }

    @Operation
    public String cancelKey(@Param(name = "key") int key) {
        return account.cancel(w -> Integer.valueOf(key).equals(w.key()), true).toString();
    }

    @Operation
    public String cancelAll() {
        return account.cancel(w -> true, true).toString();
    }

    /**
     * {@code Future.cancel} of the target item: before its submission it ends the item outside the
     * pool (the submission then fails); during it, it races the claim, the acceptance and the
     * lock-free offer; after it, it cancels the item in the account, queued or running.
     */
    @Operation
    public boolean cancelTargetByFuture() {
        return target.cancel(true);
    }

    @Validate
    public void invariantsHold() {
        String violation = account.invariantViolation();
        if (violation != null) {
            throw new IllegalStateException(violation);
        }
    }

    @Test
    void modelCheck() {
        new ModelCheckingOptions()
                .iterations(Integer.getInteger("iowq.lincheck.iterations", 10))
                .invocationsPerIteration(Integer.getInteger("iowq.lincheck.invocations", 200))
                .threads(2).actorsPerThread(3).actorsBefore(2).actorsAfter(2)
                .addCustomScenario(idleRacingOpenSubmission())
                .addCustomScenario(cancelRacingOpenTake())
                .addCustomScenario(wakeRacingOpenSubmission())
                .addCustomScenario(standbyRacingTheActiveWorker())
                .addCustomScenario(standbyEndRacing(actor("step1"), actor("submitKeyed", 0)))
                .addCustomScenario(standbyEndRacing(actor("cancelAll")))
                .check(AccountLincheckTest.class);
    }

    /**
     * The standby scenarios, played in order (the first thread's actors, then the second's): w0
     * stands by. (The checker restores static state after each invocation, so a count kept across
     * its interleavings would read 0; this shows the scenarios reach what they are there for.)
     */
    @Test
    void theStandbyScenariosStandBy() throws Exception {
        assertThat(standbysPlayedInOrder(standbyRacingTheActiveWorker())).isPositive();
        assertThat(standbysPlayedInOrder(standbyEndRacing(actor("cancelAll")))).isPositive();
    }

    private static long standbysPlayedInOrder(ExecutionScenario scenario) throws Exception {
        AccountLincheckTest model = new AccountLincheckTest();
        List<Actor> inOrder = new ArrayList<>(scenario.getInitExecution());
        scenario.getParallelExecution().forEach(inOrder::addAll);
        inOrder.addAll(scenario.getPostExecution());
        for (Actor actor : inOrder) {
            actor.getMethod().invoke(model);
        }
        model.invariantsHold();
        return model.account.standbys();
    }

    /**
     * The race the lock-free open queue must survive, always explored: a worker that just finished
     * its item goes idle while a submitter adds open work and reads {@code running} without the lock.
     * Before it, both workers are made busy (the first submission wakes w1, which takes its item and
     * wakes w0 for the second), so the submitter sees the target running and counts on w1's second look.
     */
    private static ExecutionScenario idleRacingOpenSubmission() {
        Actor submit = actor("submitPlain");
        Actor step0 = actor("step0");
        Actor step1 = actor("step1");
        return new ExecutionScenario(List.of(submit, submit, step1, step0),
                List.of(List.of(step1), List.of(submit)), List.of(), null);
    }

    /**
     * Cancel against a lock-free take: the item leaves the open queue and becomes the worker's
     * {@code current} without the lock; a cancel of everything must find it on one side or the other,
     * so it never answers "not found" for an item that has not ended.
     */
    private static ExecutionScenario cancelRacingOpenTake() {
        return new ExecutionScenario(List.of(actor("submitPlain")),
                List.of(List.of(actor("step1")), List.of(actor("cancelAll"))), List.of(), null);
    }

    /**
     * The hand-on of a wake: the first submission wakes w1 (on its way); a second submission, seeing
     * it on its way, wakes nobody, while w1 takes its first item and decides whether to wake w0.
     * Either the submitter sees w1 arrived and wakes w0 itself, or w1 sees the second item.
     */
    private static ExecutionScenario wakeRacingOpenSubmission() {
        return new ExecutionScenario(List.of(actor("submitPlain")),
                List.of(List.of(actor("submitPlain")), List.of(actor("step1"))), List.of(), null);
    }

    /**
     * Standing by against the active worker: both workers busy (w0's item timed, as w1 was active
     * when w0 took it), a third item queued; w0 finishes its tiny item and stands by, while w1
     * finishes, takes the waiting item or goes idle, and a submitter adds more. After, w0 takes
     * two turns alone: played in order, it goes on standing after the first (w1 took the item it
     * saw) and stops after the second (nothing taken meanwhile: held off, it takes); then both finish.
     */
    private static ExecutionScenario standbyRacingTheActiveWorker() {
        Actor submit = actor("submitPlain");
        Actor step0 = actor("step0");
        Actor step1 = actor("step1");
        return new ExecutionScenario(List.of(submit, submit, step1, step0, submit),
                List.of(List.of(step0, submit), List.of(step1)), List.of(step0, step0, step1, step0), null);
    }

    /**
     * The end of a standby period against the others: in the init part w0 comes to stand by (as in
     * {@link #standbyRacingTheActiveWorker}, played in order), then its period ends ({@code step0})
     * while the second thread runs {@code others} (w1 finishing and taking, a key head queued that
     * calls the standing worker, a cancel that empties the queue); after, both finish.
     */
    private static ExecutionScenario standbyEndRacing(Actor... others) {
        Actor submit = actor("submitPlain");
        Actor step0 = actor("step0");
        Actor step1 = actor("step1");
        return new ExecutionScenario(List.of(submit, submit, step1, step0, submit, step0),
                List.of(List.of(step0), List.of(others)), List.of(step0, step1, step0, step1), null);
    }

    /** The operation {@code operation} with {@code args}, as the checker's actor. */
    private static Actor actor(String operation, Object... args) {
        for (Method method : AccountLincheckTest.class.getMethods()) {
            if (method.getName().equals(operation) && method.getParameterCount() == args.length) {
                return new Actor(method, List.of(args));
            }
        }
        throw new AssertionError("no operation " + operation + " with " + args.length + " arguments");
    }
}
