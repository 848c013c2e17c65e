// The flags that say which provider to talk to and how (`--provider`, `--base-url`,
// `--api-key`, `--timeout`), and where the journal lives (`--journal`). Shared by every
// command that talks to a provider or reads the journal.

import ArgumentParser
import Foundation
import RecraftKit

struct ClientOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Provider preset: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")) (default: $RECRAFT_PROVIDER, else kie). "
                + "`sandbox` with no --base-url runs an emulator inside this command: no account, no network.",
            valueName: "name"))
    var provider: String?

    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp(
            "The provider's API URL (default: the preset's; for `sandbox`, the URL `recraft sandbox` printed).", valueName: "url"))
    var baseURL: String?

    @Option(
        name: .customLong("api-key"),
        help: ArgumentHelp(
            "API key (default: the preset's environment variable: KIE_API_KEY for kie and kie-recraft, APIKLEY_API_KEY "
                + "for apikley, RECRAFT_API_TOKEN for recraft and recraft-mirror; the sandbox needs none). "
                + "Prefer the variable: other users can see flags in `ps`.",
            valueName: "key"))
    var apiKey: String?

    @Option(
        help: ArgumentHelp(
            "Seconds a job may take from submit before it is given up on; its task is kept for `recraft resume` (default: 900).",
            valueName: "seconds"))
    var timeout: Double?

    @Flag(name: .customLong("allow-insecure-http"), help: "Accept a plain http --base-url to a host other than this machine.")
    var allowInsecureHTTP = false

    @Flag(
        name: [.customShort("v"), .customLong("verbose")],
        help:
            "Log each request (method, host, path, status, duration), retry and state change to stderr; secrets are redacted (RECRAFT_LOG=debug does the same)."
    )
    var verbose = false

    func validate() throws {
        if verbose { VerboseLog.start() }
        _ = try preset()
        if let timeout, !(timeout.isFinite && timeout > 0) { throw ValidationError("--timeout must be a number of seconds above 0") }
        if baseURL?.isEmpty == true { throw ValidationError("--base-url must not be empty") }
        if apiKey?.isEmpty == true { throw ValidationError("--api-key must not be empty: leave it out to read the key from the environment") }
    }

    /// `--provider`, else `$RECRAFT_PROVIDER`, else kie.
    func preset() throws -> Preset {
        let name = provider ?? ProcessInfo.processInfo.environment["RECRAFT_PROVIDER"].flatMap { $0.isEmpty ? nil : $0 } ?? "kie"
        guard let preset = Preset(rawValue: name) else {
            let source = provider == nil ? "RECRAFT_PROVIDER is \"\(name)\"" : "unknown provider \"\(name)\""
            throw ValidationError("\(source); use one of \(Preset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return preset
    }

    /// Whether this command runs its own sandbox: `--provider sandbox` with no `--base-url`.
    var runsEmbeddedSandbox: Bool { (try? preset()) == .sandbox && baseURL == nil }

    func settings() throws -> ClientSettings {
        ClientSettings(preset: try preset(), baseURL: baseURL, apiKey: apiKey, timeout: timeout, allowInsecureHTTP: allowInsecureHTTP)
    }
}

/// The client flags as plain values, for `ClientPool`.
struct ClientSettings: Sendable {
    var preset: Preset
    var baseURL: String?
    var apiKey: String?
    var timeout: Double?
    var allowInsecureHTTP = false
    /// `--store`; nil: `RECRAFT_STORE`, else the default file.
    var store: StoreLocation?

    var runsEmbeddedSandbox: Bool { preset == .sandbox && baseURL == nil }
}

struct JournalOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The journal of submitted jobs, for `recraft resume`, `status` and `jobs` "
                + "(default: $XDG_STATE_HOME/recraft/journal.jsonl, else ~/.local/state/recraft/journal.jsonl).",
            valueName: "path"))
    var journal: String?

    @Option(
        help: ArgumentHelp(
            "The store shared by every process on the account: rate limits, job ledger, callbacks, uploads. "
                + "A path (SQLite, one machine), a postgresql:// URL (many machines) or \"memory\" (this process only). "
                + "Default: $RECRAFT_STORE, else $XDG_STATE_HOME/recraft/store.sqlite3 or ~/.local/state/recraft/store.sqlite3.",
            valueName: "store"))
    var store: String?

    /// `--store` parsed; nil when not given.
    func storeLocation() throws -> StoreLocation? {
        guard let store else { return nil }
        do throws(RecraftError) { return try StoreLocation.parse(store) } catch {
            throw ValidationError("--store: \(error.message)")
        }
    }

    /// The journal to use: `--journal`, else the default under the user's state directory.
    var path: String { journal.map(Paths.absolute) ?? Self.defaultPath }

    static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        let state =
            environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.local/state"
        return state + "/recraft/journal.jsonl"
    }

    /// The `--journal …` words to repeat in advice: empty for the default journal.
    var flagForAdvice: String {
        journal == nil ? "" : " --journal \(Paths.shellQuoted(path))"
    }

    /// Creates the journal's directory (private to the user) if it is missing.
    func prepare() throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw CommandFailure(
                "cannot create the journal's folder \(directory): \(error.localizedDescription); pass --journal PATH elsewhere",
                exitCode: .someFailed)
        }
    }
}

enum Paths {
    /// `path` made absolute against the current directory and tidied (`./`, `a/../`).
    static func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let full = expanded.hasPrefix("/") ? expanded : FileManager.default.currentDirectoryPath + "/" + expanded
        return (full as NSString).standardizingPath
    }

    /// The path as the user should see it: relative to the current directory when inside it.
    static func display(_ path: String) -> String {
        let current = FileManager.default.currentDirectoryPath
        let prefix = current.hasSuffix("/") ? current : current + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// Quoted for a shell when it needs to be.
    static func shellQuoted(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:@,".contains($0) }
        return safe && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}

/// `--verbose`: the library's log, at debug, on stderr.
enum VerboseLog {
    static func start() {
        Log.setHandler(level: .debug) { level, message in
            FileHandle.standardError.write(Data("recraft \(level.name): \(message)\n".utf8))
        }
    }
}
