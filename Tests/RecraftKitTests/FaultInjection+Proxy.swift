import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP/1.1 proxy in front of a sandbox, for the faults the sandbox cannot make
/// itself: a connection refused or reset before a byte of the request is read, a reply lost
/// after the provider acted on the request, and `Retry-After` as an HTTP-date.
///
/// Each request is read whole, then answered from a rule or sent upstream on a connection
/// of its own. Client connections are kept alive as a provider's would be (canned replies
/// close them), so a client's later requests reuse its connection.
final class FaultProxy: @unchecked Sendable {
    enum Action: Sendable {
        /// Answer with these bytes instead of asking upstream.
        case reply([UInt8])
        /// Send the request upstream (the provider acts on it), then reset the client's
        /// connection instead of passing the reply on: the reply is lost.
        case resetAfterForwarding
        /// Send `head`, then one byte every `interval`, `count` times (a host that drips).
        case drip(head: [UInt8], count: Int, interval: Duration)
    }

    private struct Rule {
        var path: String
        var action: Action
        var times: Int
    }

    private struct State {
        var rules: [Rule] = []
        var acceptsToSkip = 0
        var acceptsToReset = 0
        var requestsByPath: [String: Int] = [:]
        var acceptedConnections = 0
        var resetConnections = 0
    }

    let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let state = NSLock()
    private var _state = State()

    /// Binds a port now; nothing is accepted (connections are refused) until `open()`.
    init(upstreamPort: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProxyError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            Glibc.close(fd)
            throw ProxyError("bind: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.listener = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.upstreamPort = upstreamPort
    }

    /// A proxy that already accepts connections.
    static func start(upstreamPort: Int) throws -> FaultProxy {
        let proxy = try FaultProxy(upstreamPort: upstreamPort)
        try proxy.open()
        return proxy
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts accepting connections.
    func open() throws {
        guard listen(listener, 128) == 0 else { throw ProxyError("listen: \(String(cString: strerror(errno)))") }
        let listener = self.listener
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 {
                    if errno == EINTR { continue }
                    return  // closed
                }
                Thread.detachNewThread { [self] in serve(connection) }
            }
        }
    }

    /// Stops accepting; connections in progress finish on their own.
    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    /// The next `times` matching requests get `action`.
    func add(path: String, _ action: Action, times: Int = 1) {
        locked { $0.rules.append(Rule(path: path, action: action, times: times)) }
    }

    /// After `skip` accepted connections, reset the next `times` at once, before reading anything.
    func resetAccepted(skip: Int = 0, times: Int = 1) {
        locked {
            $0.acceptsToSkip = skip
            $0.acceptsToReset = times
        }
    }

    /// Requests read, by path without the query (requests reset on accept are not read).
    func requests(_ path: String) -> Int { locked { $0.requestsByPath[path] ?? 0 } }
    var resetConnections: Int { locked { $0.resetConnections } }

    private func locked<T>(_ body: (inout State) -> T) -> T {
        state.lock()
        defer { state.unlock() }
        return body(&_state)
    }

    // MARK: One connection

    private func serve(_ connection: Int32) {
        let resetNow = locked { state -> Bool in
            state.acceptedConnections += 1
            if state.acceptsToSkip > 0 {
                state.acceptsToSkip -= 1
                return false
            }
            guard state.acceptsToReset > 0 else { return false }
            state.acceptsToReset -= 1
            state.resetConnections += 1
            return true
        }
        if resetNow { return reset(connection) }
        while let request = Self.readRequest(connection) {
            guard handle(request, on: connection) else { return }
        }
        Glibc.close(connection)
    }

    /// Answers one request; false when the connection is gone.
    private func handle(_ request: Request, on connection: Int32) -> Bool {
        let action = locked { state -> Action? in
            state.requestsByPath[request.path, default: 0] += 1
            guard let index = state.rules.firstIndex(where: { Self.matches($0.path, request.path) }) else { return nil }
            let action = state.rules[index].action
            state.rules[index].times -= 1
            if state.rules[index].times <= 0 { state.rules.remove(at: index) }
            return action
        }
        switch action {
        case .reply(let bytes)?:
            Self.send(connection, bytes)
            Glibc.close(connection)
            return false
        case .drip(let head, let count, let interval)?:
            var alive = Self.send(connection, head)
            for _ in 0..<count where alive {
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
                alive = Self.send(connection, [UInt8(ascii: "x")])
            }
            Glibc.close(connection)
            return false
        case .resetAfterForwarding?:
            _ = forward(request)
            locked { $0.resetConnections += 1 }
            reset(connection)
            return false
        case nil:
            guard let reply = forward(request) else {
                reset(connection)
                return false
            }
            return Self.send(connection, reply)
        }
    }

    private static func matches(_ pattern: String, _ path: String) -> Bool {
        pattern.hasSuffix("*") ? path.hasPrefix(String(pattern.dropLast())) : path == pattern
    }

    /// An RST instead of a FIN: SO_LINGER with a zero timeout.
    private func reset(_ connection: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(connection, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        Glibc.close(connection)
    }

    private struct Request {
        var head: [String]
        var body: [UInt8]
        var path: String
    }

    /// Reads one request: the head, then a Content-Length or chunked body.
    private static func readRequest(_ connection: Int32) -> Request? {
        var buffer: [UInt8] = []
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            guard receive(connection, into: &buffer) else { return nil }
            headEnd = find(separator, in: buffer)
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        var body = Array(buffer[(headEnd! + 4)...])
        let fields = head.dropFirst().map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (parts[0].lowercased(), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        if let length = fields.first(where: { $0.0 == "content-length" }).flatMap({ Int($0.1) }) {
            while body.count < length { guard receive(connection, into: &body) else { return nil } }
        } else if fields.contains(where: { $0.0 == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
            let last: [UInt8] = Array("0\r\n\r\n".utf8)
            while !(body.count >= last.count && Array(body.suffix(last.count)) == last) {
                guard receive(connection, into: &body) else { return nil }
            }
        }
        let target = head.first?.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let path = String(target.split(separator: "?", maxSplits: 1).first ?? "/")
        return Request(head: head, body: body, path: path)
    }

    /// Sends the request upstream with `Connection: close` and returns the whole reply (read
    /// to EOF), its head without that header so the client keeps its connection; nil if
    /// upstream failed.
    private func forward(_ request: Request) -> [UInt8]? {
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard upstream >= 0 else { return nil }
        defer { Glibc.close(upstream) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(upstreamPort).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        Self.send(upstream, Self.head(request.head, adding: ["Connection: close"]) + request.body)
        var reply: [UInt8] = []
        while Self.receive(upstream, into: &reply) {}
        guard let end = Self.find(Array("\r\n\r\n".utf8), in: reply) else { return nil }
        let head = String(decoding: reply[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        return Self.head(head, adding: []) + Array(reply[(end + 4)...])
    }

    /// A message head without its connection headers, plus `extra`, ending in a blank line.
    private static func head(_ lines: [String], adding extra: [String]) -> [UInt8] {
        let kept = lines.filter { !$0.lowercased().hasPrefix("connection:") && !$0.lowercased().hasPrefix("keep-alive:") }
        return Array((kept + extra + ["", ""]).joined(separator: "\r\n").utf8)
    }

    private static func receive(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer += chunk[0..<count]
            return true
        }
    }

    @discardableResult
    private static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return start }
        }
        return nil
    }

    /// A whole HTTP reply, closing the connection.
    static func reply(
        status: Int, reason: String, headers: [(String, String)] = [], contentType: String = "application/json",
        body: String
    ) -> [UInt8] {
        var lines = ["HTTP/1.1 \(status) \(reason)", "Content-Type: \(contentType)", "Content-Length: \(body.utf8.count)", "Connection: close"]
        lines += headers.map { "\($0.0): \($0.1)" }
        return Array((lines + ["", body]).joined(separator: "\r\n").utf8)
    }

    /// An IMF-fixdate (RFC 9110) `seconds` from now, rounded up to the next whole second.
    static func httpDate(secondsFromNow seconds: Int) -> String {
        var time = time_t(Int(Date().timeIntervalSince1970.rounded(.up)) + seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

struct ProxyError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
