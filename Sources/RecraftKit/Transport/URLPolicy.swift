import CCurl

#if canImport(Glibc)
import Glibc
#endif

/// Which URLs the library will fetch or send to, decided in one place and by libcurl's
/// own parser, so that what is checked is exactly what curl would connect to
/// (`http:/host`, a scheme-less `host:port/x` and other forms curl is lenient about
/// cannot slip past a prefix test).
enum URLPolicy {
    struct Parts: Equatable {
        /// Lower case: "http" or "https".
        var scheme: String
        /// As curl reads it; IPv6 literals keep their brackets.
        var host: String
    }

    /// The scheme and host of an absolute http(s) URL, or nil when it is malformed, has no
    /// scheme or another one, holds spaces or control characters, or is over 8 KiB.
    static func parse(_ url: String) -> Parts? {
        guard !url.isEmpty, url.utf8.count <= 8192,
            !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else { return nil }
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK,
            let scheme = part(handle, CURLUPART_SCHEME)?.lowercased(), scheme == "http" || scheme == "https",
            let host = part(handle, CURLUPART_HOST), !host.isEmpty
        else { return nil }
        return Parts(scheme: scheme, host: host)
    }

    /// Throws unless `url` is https, or plain http to a loopback host, or plain http to any
    /// host with `allowInsecure`. `what` names the URL in the error.
    static func check(_ url: String, allowInsecure: Bool, what: String, code: RecraftError.Code) throws(RecraftError) {
        guard let parts = parse(url) else {
            throw RecraftError(code, "\(what) \"\(url.prefix(200))\" is not an absolute URL with scheme http or https")
        }
        if parts.scheme == "http" && !allowInsecure && !isLoopback(host: parts.host) {
            throw RecraftError(
                code,
                "\(what) uses plain http to \(parts.host): it would travel unencrypted; use https, or set \"allow_insecure_http\": true")
        }
    }

    /// True when the URL's host is this machine: 127.0.0.0/8, ::1 (or ::ffff:127.x), or the
    /// name `localhost`, which libcurl resolves to loopback itself. A name that merely
    /// starts with "127." is a DNS name like any other.
    static func isLoopback(_ url: String) -> Bool {
        parse(url).map { isLoopback(host: $0.host) } ?? false
    }

    static func isLoopback(host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        guard name.hasPrefix("["), name.hasSuffix("]") else { return false }
        let literal = String(name.dropFirst().dropLast().prefix { $0 != "%" })  // drop a zone id
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, literal, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes == [UInt8](repeating: 0, count: 15) + [1] { return true }
        return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
    }

    private static func part(_ handle: OpaquePointer, _ which: CURLUPart) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, which, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
