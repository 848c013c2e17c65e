/// One HTTP exchange for the transport. Built by the providers, upload and download code.
struct HTTPRequest: Sendable {
    enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    enum Body: Sendable {
        case none
        case bytes([UInt8], contentType: String)
        /// multipart/form-data; file parts are streamed from disk by libcurl, not loaded.
        case multipart([MultipartPart])
    }

    var method: Method
    var url: String
    var headers: [(name: String, value: String)] = []
    var body: Body = .none
    var connectTimeout: Duration = .seconds(10)
    /// The whole exchange; nil for none (downloads rely on the stall timeout instead).
    var timeout: Duration? = .seconds(60)
    /// No byte for this long fails the request.
    var stallTimeout: Duration = .seconds(30)
    /// Whether silence before the reply starts counts as a stall. Not for Recraft's
    /// synchronous requests: the server says nothing while it works on the image.
    var stallBeforeReply = true

    /// The reply body may not exceed this many bytes.
    var maxResponseBytes: Int = 16 << 20
    /// When set, the reply body goes to this file instead of memory.
    var destination: String?
    /// Start the disk's writeback of `destination` as it arrives, for a file that is
    /// synced at its end (the sync then waits only for the tail).
    var writeback = false
    /// Bytes per second below which a transfer, averaged over `stallTimeout`, fails; 0
    /// for none. Set for file transfers, whose size makes `timeout` a poor bound alone.
    var minimumSpeed = 0
    /// Use a new connection. libcurl silently resends a request whose reused connection
    /// turns out dead, which for a billed request could create the task twice.
    var freshConnection = false
    /// Called on the transport's thread once the whole request body is on the wire, with
    /// how long connecting took (a round trip, roughly): the rate limiter counts a slow
    /// synchronous request as read by the provider from then, not from its reply.
    var onSent: (@Sendable (_ connectTime: Duration) -> Void)?
    /// Called on the transport's thread when the byte counts move (bytes uploaded, upload
    /// total, downloaded, download total; a total is 0 while unknown); true aborts the
    /// transfer, which then fails as cancelled.
    typealias ProgressHook = @Sendable (_ uploaded: Int64, _ uploadTotal: Int64, _ downloaded: Int64, _ downloadTotal: Int64) -> Bool
    var onProgress: ProgressHook?

    init(_ method: Method, _ url: String) {
        self.method = method
        self.url = url
    }
}

struct MultipartPart: Sendable {
    enum Content: Sendable {
        case text(String)
        /// A checked input, read through its descriptor; `digest`, when given, hashes the
        /// bytes as they are sent.
        case file(InputFile, fileName: String, digest: UploadDigest? = nil)
    }
    var name: String
    var content: Content
}

struct HTTPResponse: Sendable {
    var status: Int
    /// Header names in lower case; the last value wins.
    var headers: [String: String]
    var body: [UInt8]
    /// Bytes written to `destination`, for downloads.
    var bytesWritten: Int
    /// Where a 3xx reply points, resolved to an absolute URL.
    var redirectURL: String? = nil

    var contentType: String { headers["content-type"] ?? "" }
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A request that failed below HTTP: no reply came.
struct TransportError: Error, Sendable {
    enum Kind: Sendable {
        case connect, timeout, stalled, tooSlow, tooLarge, cancelled, file, other
    }
    var kind: Kind
    var message: String
    /// False only when the request certainly never reached the server (so resending it
    /// cannot create a task twice).
    var mayHaveBeenSent: Bool
}

extension Duration {
    /// Whole milliseconds, saturating at Int64's range (a Duration can hold far more).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, carry) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return carry ? (seconds < 0 ? .min : .max) : sum
    }
}
