import FoundationEssentials

/// An input given as bytes, not as a file the caller has: the name it goes by (a file
/// name such as `upload.png`, or `image`) and the SHA-256 of its bytes.
public struct MemoryInput: Sendable, Equatable {
    public var name: String
    public var sha256: String

    public init(name: String, bytes: UnsafeRawBufferPointer) {
        self.name = name
        self.sha256 = SHA256.hash(Array(bytes)).map { byte in
            let hex = Array("0123456789abcdef")
            return String([hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
        }.joined()
    }
}

extension JobRequest {
    /// What results are named after: the path or URL, or a memory input's name.
    public var inputName: String { memory?.name ?? image.description }

    /// What the ledger and the journal record as the image: the absolute path or the URL;
    /// for a memory input `memory:<first 16 hex digits of its SHA-256>:<name>`, which
    /// names the bytes without pretending to be a file that can be read again.
    var recordedImage: String {
        if let memory { return "memory:\(memory.sha256.prefix(16)):\(memory.name)" }
        return Job.absolute(image)
    }
}

extension Job {
    /// The file name result `index` gets in a folder, the one rule of every surface
    /// (`OutputName`): `stem` when given, else the input's stem and the operation
    /// (`photo.crisp-upscale`, `-<index>` after the first result), else, for a reopened job
    /// whose input is not known, `<task id>-<index>`; then the result's extension (from
    /// its URL, content type or magic bytes), else the input's, else `png` (also while
    /// there is no result at `index`).
    public func fileName(_ index: Int, stem: String? = nil) -> String {
        let results = state == .succeeded ? self.results : []
        let result = results.indices.contains(index) ? results[index] : nil
        let input = request?.inputName
        let base =
            stem ?? input.map { OutputName.stem(input: $0, operation: operation, index: index) }
            ?? OutputName.stem(jobId: id, index: index)
        return OutputName.fileName(stem: base, result: result, input: input)
    }
}
