/// The job ledger of a store, for programs that pick up what other workers left (the
/// CLI's `resume`, `jobs` and `status`): every job of every account in the store.
public struct Ledger: Sendable {
    private let store: Store

    /// The ledger of the store at `location` (nil: `RECRAFT_STORE`, else the default file).
    public init(_ location: StoreLocation? = nil) throws(RecraftError) {
        if let location { store = Store.at(location) } else { store = Store.at(try StoreLocation.fromEnvironment()) }
    }

    public var location: StoreLocation { store.location }

    /// Every job, oldest first. `live` ones belong to a worker that is still running.
    public func entries() throws(RecraftError) -> [JournalEntry] {
        try store.ledgerEntries(scope: nil)
    }

    /// Makes this process the entry's worker, unless a live one has it (false).
    public func takeOver(_ entry: JournalEntry) async throws(RecraftError) -> Bool {
        guard let scope = entry.scope else { return true }
        return try await store.ledgerTakeOver(scope: scope, ref: entry.ref)
    }

    /// The entry was submitted again as a new job: it is not to be submitted once more.
    public func markReplaced(_ entry: JournalEntry) async throws(RecraftError) {
        guard let scope = entry.scope else { return }
        try await store.ledgerMarkReplaced(scope: scope, ref: entry.ref)
    }

    /// Its worker died while its billed request was out: it may exist, and is never resent.
    public func markUncertain(_ entry: JournalEntry) async throws(RecraftError) {
        guard let scope = entry.scope else { return }
        try await store.ledgerMarkUncertain(scope: scope, ref: entry.ref)
    }
}
