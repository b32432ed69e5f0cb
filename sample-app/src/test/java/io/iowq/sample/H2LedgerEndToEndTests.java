package io.iowq.sample;

/** {@link LedgerEndToEndTests} on the default database: H2, embedded, in memory. */
class H2LedgerEndToEndTests extends LedgerEndToEndTests {
}
