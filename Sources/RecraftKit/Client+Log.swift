/// What a client logs, and the one redaction every line passes: the API key and webhook
/// secret (however echoed, see `Redaction`), the query strings of URLs (signed result URLs
/// carry their token there) and the payload of data: URLs. Headers are logged (at trace)
/// only through `headerSummary`, with credential values replaced.
extension Client {
    /// Logs `message` (built only when someone listens at `level`), redacted.
    func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard Log.enabled(level) else { return }
        Log.emit(level, logRedacted(message()))
    }

    func logRedacted(_ text: String) -> String {
        var text = LogRedaction.urlQueries(text)
        let key = configuration.apiKey
        if key.utf8.count >= 4, key != Configuration.sandboxKey { text = Redaction.redact(text, secret: key) }
        if let secret = configuration.webhookSecret, secret.utf8.count >= 4 { text = Redaction.redact(text, secret: secret) }
        return text
    }

    /// Logs one exchange: `POST api.kie.ai /api/v1/jobs/createTask -> 200 in 120 ms`.
    func logExchange(
        _ request: HTTPRequest, kind: RequestKind, started: ContinuousClock.Instant, outcome: Result<HTTPResponse, TransportError>
    ) {
        guard Log.enabled(.debug) else { return }
        let elapsed = (ContinuousClock.now - started).milliseconds
        let what = "\(request.method.rawValue) \(LogRedaction.hostAndPath(request.url))"
        switch outcome {
        case .success(let response):
            log(.debug, "\(kind) \(what) -> \(response.status) in \(elapsed) ms")
        case .failure(let error):
            log(.debug, "\(kind) \(what) -> no reply after \(elapsed) ms: \(error.message)")
        }
        if Log.enabled(.trace) { log(.trace, "\(kind) \(what) headers: \(LogRedaction.headerSummary(request.headers))") }
    }
}

enum LogRedaction {
    static let replacement = "[redacted]"
    /// Header names whose values are credentials.
    static let credentialHeaders: Set<String> = ["authorization", "x-api-key", "api-key", "cookie", "proxy-authorization"]

    /// `https://host:443/a/b?x=1` → `host:443 /a/b`: no scheme, user info, query or fragment.
    static func hostAndPath(_ url: String) -> String {
        var rest = Substring(url)
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") { rest = rest[rest.index(colon, offsetBy: 3)...] }
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var host = rest[..<slash]
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        let path = rest[slash...]
        return "\(host) \(path.isEmpty ? "/" : String(path))"
    }

    static func headerSummary(_ headers: [(name: String, value: String)]) -> String {
        headers.map { header in
            let value = credentialHeaders.contains(header.name.lowercased()) ? replacement : header.value
            return "\(header.name): \(value)"
        }.joined(separator: ", ")
    }

    /// `text` with every http(s) URL's query and fragment replaced, and data: URLs' payload cut.
    static func urlQueries(_ text: String) -> String {
        guard text.contains("://") || text.contains("data:") else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if let length = urlStart(bytes, i) {
                // Copy up to the query, then skip to the URL's end.
                var j = i + length
                while j < bytes.count, !ends(bytes[j]), bytes[j] != UInt8(ascii: "?"), bytes[j] != UInt8(ascii: "#") { j += 1 }
                out += bytes[i..<j]
                if j < bytes.count, bytes[j] == UInt8(ascii: "?") || bytes[j] == UInt8(ascii: "#") {
                    out += Array("?\(replacement)".utf8)
                    while j < bytes.count, !ends(bytes[j]) { j += 1 }
                }
                i = j
            } else if starts(bytes, i, "data:") {
                var j = i + 5
                while j < bytes.count, !ends(bytes[j]), bytes[j] != UInt8(ascii: ",") { j += 1 }
                out += bytes[i..<j]
                if j < bytes.count, bytes[j] == UInt8(ascii: ",") {
                    out += Array(",...".utf8)
                    while j < bytes.count, !ends(bytes[j]) { j += 1 }
                }
                i = j
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func ends(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "<")
            || byte == UInt8(ascii: ">")
    }

    private static func urlStart(_ bytes: [UInt8], _ i: Int) -> Int? {
        if starts(bytes, i, "https://") { return 8 }
        if starts(bytes, i, "http://") { return 7 }
        return nil
    }

    /// Case-insensitive ASCII prefix test at `i`.
    private static func starts(_ bytes: [UInt8], _ i: Int, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard bytes.count - i >= count else { return false }
        for k in 0..<count {
            let a = bytes[i + k] | (bytes[i + k] >= 0x41 && bytes[i + k] <= 0x5A ? 0x20 : 0)
            if a != prefix.utf8Start[k] { return false }
        }
        return true
    }
}
