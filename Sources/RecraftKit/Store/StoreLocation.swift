#if canImport(Glibc)
import Glibc
#endif

/// Where the shared store lives (`store` in the config, `RECRAFT_STORE`, `--store`):
///   "memory"                 this client alone, as before the store (per process)
///   "sqlite:PATH" or a path  an SQLite file shared by the processes of one machine
///   "postgresql://…"         a PostgreSQL database shared by many machines
/// The default is the SQLite file in the per-user state folder.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    case memory
    case sqlite(path: String)
    case postgresql(url: String)

    public static func parse(_ text: String) throws(RecraftError) -> StoreLocation {
        let trimmed = text.trimmed
        if trimmed == "memory" { return .memory }
        if trimmed.hasPrefix("postgresql://") || trimmed.hasPrefix("postgres://") { return .postgresql(url: trimmed) }
        let path = trimmed.hasPrefix("sqlite:") ? String(trimmed.dropFirst("sqlite:".count)) : trimmed
        guard !path.isEmpty, !path.contains("\0"), !path.contains("://") else {
            throw RecraftError(
                .invalidConfig,
                "store \"\(PostgresConnection.display(trimmed))\" is not \"memory\", a file path (\"sqlite:PATH\") or a postgresql:// URL")
        }
        return .sqlite(path: path)
    }

    /// `RECRAFT_STORE` when set, else the SQLite file under the state folder.
    static func fromEnvironment() throws(RecraftError) -> StoreLocation {
        if let value = getenv("RECRAFT_STORE").map({ String(cString: $0) }), !value.isEmpty { return try parse(value) }
        return .sqlite(path: defaultPath)
    }

    /// `$XDG_STATE_HOME/recraft/store.sqlite3`, else `~/.local/state/recraft/store.sqlite3`:
    /// the folder the CLI's journal has always used.
    public static var defaultPath: String { stateDirectory + "/store.sqlite3" }

    public static var stateDirectory: String {
        let environment = { (name: String) in getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
        let base = environment("XDG_STATE_HOME") ?? ((environment("HOME") ?? "/tmp") + "/.local/state")
        return base + "/recraft"
    }

    public var description: String {
        switch self {
        case .memory: "memory"
        case .sqlite(let path): path
        case .postgresql(let url): PostgresConnection.display(url)
        }
    }

    /// The account's scope when the user gives none: provider, base URL and a hash of the
    /// key, hashed together (the key is never stored, not even its hash alone).
    static func defaultScope(provider: Preset, baseURL: String, apiKey: String) -> String {
        let digest = SHA256.hash(Array("\(provider.rawValue)\n\(baseURL)\n\(apiKey)".utf8))
        return provider.rawValue + ":" + digest.prefix(12).hex
    }
}
