package io.iowq.core;

/** A key whose hash code collides with every other's: equal only to a key of the same name. */
final class CollidingKey {

    private final String name;

    CollidingKey(String name) {
        this.name = name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CollidingKey k && k.name.equals(name);
    }

    @Override
    public int hashCode() {
        return 42;
    }

    @Override
    public String toString() {
        return name;
    }
}
