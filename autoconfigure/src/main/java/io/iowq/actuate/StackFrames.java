package io.iowq.actuate;

import java.util.ArrayList;
import java.util.List;

/**
 * The frames of a worker's stack that belong to the work it runs: the engine's run loop at the
 * bottom ({@code io.iowq.core}, {@code java.lang.Thread}) is cut off, and at most
 * {@value #MAX_FRAMES} frames from the top are kept.
 */
final class StackFrames {

    /** Most frames shown per running item. */
    static final int MAX_FRAMES = 32;

    private StackFrames() {
    }

    /** The top frames of {@code stack} above the engine's run loop, as {@link #format} writes them. */
    static List<String> top(StackTraceElement[] stack) {
        if (stack == null) {
            return List.of();
        }
        int end = stack.length;
        while (end > 0 && isEngine(stack[end - 1])) {
            end--;
        }
        if (end == 0) {
            end = stack.length;
        }
        List<String> frames = new ArrayList<>(Math.min(end, MAX_FRAMES));
        for (int i = 0; i < end && i < MAX_FRAMES; i++) {
            frames.add(format(stack[i]));
        }
        return frames;
    }

    /** {@code Class.method(File.java:line)}, without the module and class loader prefixes. */
    static String format(StackTraceElement frame) {
        String where;
        if (frame.isNativeMethod()) {
            where = "Native Method";
        } else if (frame.getFileName() == null) {
            where = "Unknown Source";
        } else if (frame.getLineNumber() >= 0) {
            where = frame.getFileName() + ":" + frame.getLineNumber();
        } else {
            where = frame.getFileName();
        }
        return frame.getClassName() + "." + frame.getMethodName() + "(" + where + ")";
    }

    private static boolean isEngine(StackTraceElement frame) {
        String className = frame.getClassName();
        return className.startsWith("io.iowq.core.") || className.equals("java.lang.Thread");
    }
}
