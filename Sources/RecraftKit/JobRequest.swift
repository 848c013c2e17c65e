import FoundationEssentials

/// Where the input image comes from.
public enum ImageSource: Sendable, Equatable {
    /// A local file; uploaded (or sent inline) as the provider needs.
    case file(String)
    /// A public http(s) URL, passed on to the provider.
    case url(String)

    /// `https://…` and `http://…` are URLs; anything else is a local path.
    public init(_ text: String) {
        let lower = text.lowercased()
        self = lower.hasPrefix("https://") || lower.hasPrefix("http://") ? .url(text) : .file(text)
    }

    var description: String {
        switch self {
        case .file(let path): path
        case .url(let url): url
        }
    }
}

/// What to run: an operation on an image, with its options.
public struct JobRequest: Sendable {
    public var operation: Operation
    public var image: ImageSource
    /// Where the provider should POST the result when it has one (market and dedicated).
    public var callbackURL: String?
    /// Operation options (`scale`, `output_format`, `response_format`, …), checked per preset.
    public var options: [String: JSONValue]
    /// The caller's own reference for the job (an order id, a file's hash): submitting the
    /// same reference again, from any process on the account, follows the first job instead
    /// of paying again. nil: a fresh one.
    public var reference: String?
    /// Set for an input given as bytes (recraft_submit_memory): its name, which results
    /// are named after, and what the ledger records instead of its /proc/self/fd path.
    public var memory: MemoryInput?
    /// The local input, once checked and open: what is sent is read from it.
    var input: InputFile?

    public init(operation: Operation, image: ImageSource, callbackURL: String? = nil, options: [String: JSONValue] = [:]) {
        self.operation = operation
        self.image = image
        self.callbackURL = callbackURL
        self.options = options
    }

    /// The request's JSON text as an object; an error gives the byte offset where it stops
    /// being JSON and what was expected there.
    public static func object(json: String) throws(RecraftError) -> [String: JSONValue] {
        try JSONSyntax.object(
            json, what: "the request", code: .invalidArgument, example: "{\"operation\": \"crisp_upscale\", \"image\": \"photo.png\"}")
    }

    static let jsonKeys: Set<String> = ["operation", "image", "callback_url", "options", "ref"]

    /// Parses `{"operation": "crisp_upscale", "image": "in.png", "callback_url": "…", "options": {…}}`.
    public init(json: String) throws(RecraftError) {
        let object = try Self.object(json: json)
        if let unknown = object.keys.filter({ !Self.jsonKeys.contains($0) }).sorted().first {
            throw RecraftError(
                .invalidArgument,
                "unknown request key \"\(unknown)\"; known keys: \(Self.jsonKeys.sorted().joined(separator: ", "))")
        }
        let reader = FieldReader(object: object, what: "request", code: .invalidArgument)
        guard let name = try reader.string("operation") else {
            throw RecraftError(.invalidArgument, "the request needs \"operation\": one of \(Operation.allNames)")
        }
        guard let operation = Operation(name: name) else {
            throw RecraftError(.invalidArgument, "unknown operation \"\(name)\"; use one of \(Operation.allNames)")
        }
        guard let image = try reader.string("image"), !image.isEmpty else {
            throw RecraftError(.invalidArgument, "the request needs \"image\": a local file path or an https URL")
        }
        var options: [String: JSONValue] = [:]
        if let value = object["options"], !value.isNull {
            guard let dictionary = value.object else {
                throw RecraftError(.invalidArgument, "request key \"options\" must be a JSON object")
            }
            options = dictionary
        }
        self.init(operation: operation, image: ImageSource(image), callbackURL: try reader.string("callback_url"), options: options)
        reference = try reader.string("ref")
        try Self.checkReference(reference)
    }

    /// A reference becomes a ledger key and appears in messages: short printable text.
    static func checkReference(_ reference: String?) throws(RecraftError) {
        guard let reference else { return }
        guard !reference.isEmpty, reference.utf8.count <= 200, !reference.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw RecraftError(.invalidArgument, "request key \"ref\" must be 1 to 200 bytes of printable text")
        }
    }
}
