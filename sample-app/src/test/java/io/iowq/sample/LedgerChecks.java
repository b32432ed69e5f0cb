package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What must hold of an account once every entry the clients sent it has settled. */
final class LedgerChecks {

    private LedgerChecks() {
    }

    /**
     * Checks one account that opened with {@code openingDeposit} (its entry referenced {@code open})
     * and was then sent {@code sent}: every entry is there exactly once with its amount, none pending or
     * failed, {@code expectedCancelled} cancelled; the posted ones carry sequences 1, 2, ... with running
     * balances that add up to the balance, which is also the deposit plus the posted amounts as the
     * clients sent them; and each client's posted entries come in the order it sent them.
     */
    static void checkAccount(AccountView view, List<Posted> sent, int expectedCancelled, long openingDeposit) {
        Map<String, Entry> byReference = new HashMap<>();
        for (Entry entry : view.entries()) {
            assertThat(byReference.put(entry.reference(), entry)).as("entry %s of %s twice", entry.reference(), view.account())
                    .isNull();
        }
        assertThat(byReference.keySet()).as("entries of %s", view.account())
                .containsExactlyInAnyOrderElementsOf(concat("open", sent.stream().map(Posted::reference).toList()));
        for (Posted p : sent) {
            assertThat(byReference.get(p.reference()).amount()).isEqualTo(p.amount());
        }
        assertThat(view.count(EntryStatus.PENDING)).isZero();
        assertThat(view.count(EntryStatus.FAILED)).as("failed entries of %s", view.account()).isZero();
        assertThat(view.count(EntryStatus.CANCELLED)).as("cancelled entries of %s", view.account())
                .isEqualTo(expectedCancelled);

        List<Entry> postedInOrder = view.entries().stream().filter(e -> e.status() == EntryStatus.POSTED).toList();
        long balance = 0;
        for (int i = 0; i < postedInOrder.size(); i++) {
            Entry entry = postedInOrder.get(i);
            balance += entry.amount();
            assertThat(entry.sequence()).as("sequence of %s in %s", entry.reference(), view.account()).isEqualTo(i + 1);
            assertThat(entry.balanceAfter()).as("balance after %s in %s", entry.reference(), view.account())
                    .isEqualTo(balance);
        }
        assertThat(view.balance()).as("balance of %s", view.account()).isEqualTo(balance);
        long expected = openingDeposit + sent.stream()
                .filter(p -> byReference.get(p.reference()).status() == EntryStatus.POSTED)
                .mapToLong(Posted::amount).sum();
        assertThat(view.balance()).as("balance of %s from what the clients sent", view.account()).isEqualTo(expected);

        Map<Integer, List<Posted>> byClient = sent.stream().collect(Collectors.groupingBy(Posted::client));
        byClient.forEach((client, own) -> {
            List<String> sentOrder = own.stream().map(Posted::reference)
                    .filter(r -> byReference.get(r).status() == EntryStatus.POSTED).toList();
            List<String> postedOrder = postedInOrder.stream().map(Entry::reference)
                    .filter(r -> r.startsWith("c" + client + "-")).toList();
            assertThat(postedOrder).as("client %d's entries in %s, in posting order", client, view.account())
                    .containsExactlyElementsOf(sentOrder);
        });
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
