package io.iowq.autoconfigure;

/**
 * An {@code iowq.*} property has a value that is not allowed. {@link IoWqPropertiesFailureAnalyzer} turns it
 * into the start-up failure report.
 */
public class InvalidIoWqPropertyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The property's full name. */
    private final String property;

    /** The value it was given. */
    private final transient Object value;

    /** What it allows. */
    private final String allowed;

    /** {@code property} was given {@code value}, but allows only {@code allowed}. */
    public InvalidIoWqPropertyException(String property, Object value, String allowed) {
        super("Invalid value '" + value + "' for property '" + property + "': allowed is " + allowed);
        this.property = property;
        this.value = value;
        this.allowed = allowed;
    }

    /** The property's full name, such as {@code iowq.bounded.max-workers}. */
    public String getProperty() {
        return property;
    }

    /** The value it was given. */
    public Object getValue() {
        return value;
    }

    /** What it allows. */
    public String getAllowed() {
        return allowed;
    }
}
