package io.iowq.autoconfigure;

import io.iowq.spring.InvalidAsyncWorkException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a wrong use of {@code @Hashed} or {@code @Unbounded} at start-up, naming the method and the reason. */
public class InvalidAsyncWorkFailureAnalyzer extends AbstractFailureAnalyzer<InvalidAsyncWorkException> {

    /** The report of {@code cause}. */
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidAsyncWorkException cause) {
        String element = cause.getElement();
        String description = "Wrong use of @Hashed or @Unbounded on " + element
                + (element.contains(System.lineSeparator()) ? "" : ":")
                + System.lineSeparator() + System.lineSeparator() + "    " + cause.getReason();
        String action = cause.getAction() != null ? cause.getAction() : "@Hashed and @Unbounded go on @Async methods (or, for @Unbounded, classes with @Async "
                + "methods) that run on iowq's applicationTaskExecutor, with @EnableAsync in proxy mode; a @Hashed "
                + "key is a SpEL expression over the arguments, such as \"#id\" or \"#p0\".";
        return new FailureAnalysis(description, action, cause);
    }
}
