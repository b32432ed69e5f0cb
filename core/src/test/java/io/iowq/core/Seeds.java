package io.iowq.core;

/** The random seed of a stress test: {@code -Diowq.seed=...} replays a run; every run prints its seed. */
final class Seeds {

    private Seeds() {
    }

    static long seed(String test) {
        Long given = Long.getLong("iowq.seed");
        long seed = given != null ? given : System.nanoTime();
        String line = test + ": seed " + seed + " (replay with -Diowq.seed=" + seed + ")";
        System.out.println(line);
        System.err.println(line);
        return seed;
    }
}
