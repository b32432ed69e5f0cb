package io.iowq.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the machine offers the pool: NUMA nodes online and CPUs. */
final class Topology {

    private Topology() {
    }

    /** NUMA nodes online, from {@code /sys/devices/system/node/online}; 1 where unknown. */
    static int numaNodes() {
        return numaNodes(Path.of("/sys/devices/system/node/online"));
    }

    static int numaNodes(Path online) {
        try {
            return Math.max(1, countList(Files.readString(online).trim()));
        } catch (IOException | RuntimeException e) {
            return 1;
        }
    }

    /** Counts the members of a kernel cpu/node list such as {@code 0-3,8,10-11}. */
    static int countList(String list) {
        int count = 0;
        for (String range : list.split(",")) {
            String r = range.trim();
            if (r.isEmpty()) {
                continue;
            }
            int dash = r.indexOf('-');
            count += dash < 0 ? 1 : Integer.parseInt(r.substring(dash + 1)) - Integer.parseInt(r.substring(0, dash)) + 1;
        }
        return count;
    }
}
