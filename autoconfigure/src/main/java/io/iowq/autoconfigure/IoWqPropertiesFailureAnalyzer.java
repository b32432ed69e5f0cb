package io.iowq.autoconfigure;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Reports a wrong {@code iowq.*} value at start-up, naming the property, the value and what is
 * allowed: both a value that does not convert (a {@link BindException}, reported ahead of Spring
 * Boot's generic report) and one that converts but is out of range
 * ({@link InvalidIoWqPropertyException}). For a deprecated property the action is to remove it.
 */
public class IoWqPropertiesFailureAnalyzer implements FailureAnalyzer, Ordered {

    /** Reports the failure if an iowq property caused it, else returns {@code null}. */
    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidIoWqPropertyException e) {
                return analysis(e.getProperty(), e.getValue(), "which is not allowed", e.getAllowed(), e);
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BindException e && IoWqProperties.allowed(e.getName().toString()) != null) {
                String name = e.getName().toString();
                ConfigurationProperty property = e.getProperty();
                Object value = property != null ? property.getValue() : null;
                String origin = property != null && property.getOrigin() != null
                        ? " (from " + property.getOrigin() + ")" : "";
                Throwable reason = e.getCause() != null ? e.getCause() : e;
                return analysis(name, value, "which cannot be read" + origin + ": " + reason.getMessage(),
                        IoWqProperties.allowed(name), e);
            }
        }
        return null;
    }

    private static FailureAnalysis analysis(String property, Object value, String why, String allowed, Throwable cause) {
        String description = "Invalid iowq configuration: the property '" + property + "' is set to '" + value
                + "', " + why + "." + System.lineSeparator() + System.lineSeparator() + "Allowed: " + allowed + ".";
        String action = IoWqProperties.deprecated(property)
                ? "Remove " + property + ": the property is deprecated and will be removed."
                : "Set " + property + " to " + allowed + ", or remove it to use the default.";
        return new FailureAnalysis(description, action, cause);
    }

    /** Ahead of Spring Boot's generic binding report. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
