package io.iowq.actuate;

import io.iowq.spring.Hashed;
import java.util.concurrent.CompletableFuture;
import org.springframework.scheduling.annotation.Async;

/** {@code @Async} work that waits on a {@link Parked} the test holds. */
public class SlowWork {

    /** Hashed work on {@code tenant}: its description is {@code SlowWork.report}. */
    @Async
    @Hashed("#tenant")
    public CompletableFuture<Void> report(String tenant, Parked parked) {
        parked.park();
        return CompletableFuture.completedFuture(null);
    }

    /** Unhashed work: its description is {@code SlowWork.cleanup}, its key null. */
    @Async
    public CompletableFuture<Void> cleanup(Parked parked) {
        parked.park();
        return CompletableFuture.completedFuture(null);
    }
}
