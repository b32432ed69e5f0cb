package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopologyTest {

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "0-3,8,10-11; 7",
            "0; 1",
            "0-0; 1",
            "0-1; 2",
            "0,2,4; 3",
            "0-63; 64",
            "' 0-1 , 3 '; 3",
            "''; 0"})
    void countsTheMembersOfAKernelList(String list, int members) {
        assertThat(Topology.countList(list)).isEqualTo(members);
    }

    @Test
    void readsTheNodesOnline(@TempDir Path dir) throws IOException {
        Path online = Files.writeString(dir.resolve("online"), "0-1\n");

        assertThat(Topology.numaNodes(online)).isEqualTo(2);
    }

    @Test
    void fallsBackToOneNodeWhereTheListIsMissingOrUnreadable(@TempDir Path dir) throws IOException {
        assertThat(Topology.numaNodes(dir.resolve("missing"))).isEqualTo(1);
        assertThat(Topology.numaNodes(Files.writeString(dir.resolve("garbage"), "zero-one"))).isEqualTo(1);
        assertThat(Topology.numaNodes(Files.writeString(dir.resolve("empty"), ""))).isEqualTo(1);
    }
}
