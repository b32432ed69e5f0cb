package io.iowq.bench;

import io.iowq.core.Blocking;
import io.iowq.core.Work;
import io.iowq.core.WorkClass;

import java.util.ArrayList;
import java.util.List;

/**
 * One executor as a scenario runs it: a peer, and for iowq the class its work goes to and whether
 * tasks announce their blocking ({@link Blocking}) or leave the manager to observe it.
 */
record Variant(String name, Peer peer, WorkClass workClass, boolean told) {

    static Variant of(Peer peer) {
        return new Variant(peer.id, peer, WorkClass.BOUND, false);
    }

    /** Every available peer as it comes, iowq first. */
    static List<Variant> allPeers() {
        List<Variant> vs = new ArrayList<>();
        for (Peer p : Peer.available()) {
            vs.add(of(p));
        }
        return vs;
    }

    /** The task as this variant's user would write it: blocking calls wrapped in {@link Blocking} if told. */
    Runnable blocking(Runnable body) {
        return told ? () -> Blocking.<RuntimeException>run(body::run) : body;
    }

    /** Submits {@code task} the way this variant's user would. */
    void submit(Peer.Pool pool, Runnable task) {
        if (peer == Peer.IOWQ) {
            pool.iowq().enqueue(Work.of(task).in(workClass));
        } else {
            pool.executor().execute(task);
        }
    }
}
