package io.iowq.actuate;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The {@link Parked} task bodies one test makes, released together when it ends. */
final class ParkingLot {

    private final List<Parked> parked = new CopyOnWriteArrayList<>();

    /** A new task body that waits until released. */
    Parked park() {
        Parked p = new Parked();
        parked.add(p);
        return p;
    }

    /** Releases every task body made so far. */
    void releaseAll() {
        parked.forEach(Parked::release);
    }
}
