package io.iowq.core;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * The pool's JDK Flight Recorder events, {@code iowq.*}: an item queued, started, ended and cancelled,
 * a worker created, blocked and exited. The engine calls in here where these things happen, outside
 * every lock: a key's and a task's {@code toString()} are user code.
 * <p>
 * Each call first asks the event's shared {@code PROBE} whether it is enabled, a static check, so
 * without a recording (or with the event off) nothing is allocated and no {@code toString()} runs.
 * The per-item events, which a busy pool would emit millions of times a second, are off by default
 * ({@code WorkEnded}, once on, keeps the items over 10 ms): timing every item for its threshold costs
 * about 50 ns per item, a third of a tiny task's hand-off. So a recording with the JDK's settings has
 * the rare events only; {@code docs/operations.md} shows how to record the items.
 */
final class FlightEvents {

    /** {@link Work.State}'s names as the meters' {@code outcome} tag spells them, by ordinal. */
    private static final String[] OUTCOMES = {"pending", "running", "completed", "failed", "cancelled"};

    private FlightEvents() {
    }

    @Category({"iowq", "Work"}) @StackTrace(false)
    abstract static class WorkEvent extends Event {
        @Label("Id") @Description("The work id, as the actuator endpoint shows it and cancels by") long id;
        @Label("Key") @Description("The key's toString(); absent for unhashed work") String key;
        @Label("Class") @Description("bounded or unbounded") String workClass;
        @Label("Description") @Description("An @Async method's name, else the task's toString()") String description;
    }

    @Name("iowq.WorkQueued") @Label("Work Queued") @Enabled(false) @Description("An item (or a link) accepted; the duration is the submission's")
    static final class Queued extends WorkEvent { static final Queued PROBE = new Queued(); }

    @Name("iowq.WorkStarted") @Label("Work Started") @Enabled(false) @Description("A worker started an item; it is the event thread")
    static final class Started extends WorkEvent { static final Started PROBE = new Started(); }

    @Name("iowq.WorkEnded") @Label("Work Ended") @Enabled(false) @Threshold("10 ms") @Description("A worker is done with an item; the duration is the run's")
    static final class Ended extends WorkEvent {
        static final Ended PROBE = new Ended();
        @Label("Outcome") @Description("completed, failed or cancelled") String outcome;
    }

    @Name("iowq.WorkCancelled") @Label("Work Cancelled") @Description("A cancel ended an item, pending or running")
    static final class Cancelled extends WorkEvent { static final Cancelled PROBE = new Cancelled(); }

    @Name("iowq.WorkerBlocked") @Label("Worker Blocked") @Category({"iowq", "Workers"})
    @Description("The pool took a worker in an item as blocked: it no longer counts as running")
    static final class Blocked extends WorkEvent {
        static final Blocked PROBE = new Blocked();
        @Label("Worker") @Description("The worker thread") Thread worker;
        @Label("How") @Description("told (Blocking.call or Blocking.run) or observed (by the manager)") String how;
    }

    @Category({"iowq", "Workers"}) @StackTrace(false)
    abstract static class WorkerEvent extends Event {
        @Label("Class") @Description("bounded or unbounded") String workClass;
    }

    @Name("iowq.WorkerCreated") @Label("Worker Created") @Description("A worker thread started; it is the event thread")
    static final class Created extends WorkerEvent { static final Created PROBE = new Created(); }

    @Name("iowq.WorkerExited") @Label("Worker Exited") @Description("A worker thread left the pool and ends; it is the event thread")
    static final class Exited extends WorkerEvent { static final Exited PROBE = new Exited(); }

    /** Before a submission: a begun {@code WorkQueued}, or {@code null} when the event is off. */
    static Queued queuing() {
        return Queued.PROBE.isEnabled() ? begun(new Queued()) : null;
    }

    /** The submission of {@code head} was accepted: a {@code WorkQueued} for it and for each of its links. */
    static void queued(Queued e, Work<?> head) {
        for (Work<?> w = head; e != null && w != null; w = w.next()) {
            commit(w == head ? e : begun(new Queued()), w); // a link's begins now
        }
    }

    /** A worker starts {@code w}: a {@code WorkStarted}, and a begun {@code WorkEnded} to return (or {@code null}). */
    static Ended started(Work<?> w) {
        if (Started.PROBE.isEnabled()) {
            commit(new Started(), w);
        }
        return Ended.PROBE.isEnabled() ? begun(new Ended()) : null;
    }

    /** The task returned or threw: the run's duration ends here, before the end is told. */
    static void ran(Ended e) {
        if (e != null) {
            e.end();
        }
    }

    /** The worker is done with {@code w}, whose state is final. */
    static void ended(Ended e, Work<?> w) {
        if (e != null) {
            e.outcome = OUTCOMES[w.state().ordinal()];
            commit(e, w);
        }
    }

    static void cancelled(Work<?> w) {
        if (Cancelled.PROBE.isEnabled()) {
            commit(new Cancelled(), w);
        }
    }

    /** Returns {@code marked}: whether {@code w} was just taken as blocked in {@code work} (told: {@code null}, its current one). */
    static boolean blocked(Worker w, Work<?> work, boolean observed, boolean marked) {
        if (marked && Blocked.PROBE.isEnabled()) {
            Blocked e = new Blocked();
            e.worker = w.thread;
            e.how = observed ? "observed" : "told";
            commit(e, work != null ? work : w.current);
        }
        return marked;
    }

    /** A worker's thread starts ({@code exits} false) or leaves its run loop. */
    static void worker(Worker w, boolean exits) {
        WorkerEvent e = exits ? (Exited.PROBE.isEnabled() ? new Exited() : null) : (Created.PROBE.isEnabled() ? new Created() : null);
        if (e != null) {
            e.workClass = w.account.workClass.tag();
            e.commit();
        }
    }

    private static <E extends Event> E begun(E e) {
        e.begin();
        return e;
    }

    /** Commits {@code e} with {@code w}'s fields if it is to be: their {@code toString()} runs only then. */
    private static void commit(WorkEvent e, Work<?> w) {
        if (e.shouldCommit()) {
            e.id = w.id();
            e.key = w.isHashed() ? text(w.key()) : null;
            e.workClass = w.workClass().tag();
            e.description = text(w.description());
            e.commit();
        }
    }

    /** A key's or task's string form: user code, so what it throws is named instead of passed on. */
    private static String text(Object o) {
        try {
            return String.valueOf(o);
        } catch (Throwable t) {
            return "<toString() threw " + t.getClass().getName() + ">";
        }
    }
}
