import FoundationEssentials

/// How a result file is named: one rule for every surface. A result is named after its
/// input (`photo.png` → `photo.crisp-upscale.png`; `photo.crisp-upscale-1.png` for the
/// second result) by the CLI, by `Job.download` into a folder (so by C's
/// recraft_job_download) and by Python (through recraft_output_stem and
/// recraft_job_file_name, `Job.fileName`); only a reopened job, whose input is not known,
/// is `<task id>-<index>`. The extension always comes from the result.
public enum OutputName {
    /// The extensions a result may have (an existing file with any of them counts as a
    /// result already saved).
    public static let resultExtensions = ["png", "jpg", "jpeg", "webp", "svg"]

    /// The suffix of `operation`'s result files, its CLI command name: `crisp-upscale`.
    public static func suffix(for operation: Operation) -> String { operation.commandName }

    /// The stem of a result of `operation` on `input` (a path or an http(s) URL):
    /// `/photos/cat.png` → `cat.crisp-upscale`. The input's stem is its file name (for a
    /// URL, its path's last segment, decoded) without the extension; `image` when that is
    /// empty.
    public static func stem(input: String, operation: Operation) -> String {
        inputStem(input) + "." + suffix(for: operation)
    }

    /// The stem of result `index` of `operation` on `input`: `stem(input:operation:)`, with
    /// `-<index>` after the first result (`cat.crisp-upscale-1`).
    public static func stem(input: String, operation: Operation, index: Int) -> String {
        stem(input: input, operation: operation) + (index > 0 ? "-\(index)" : "")
    }

    /// The stem of result `index` of the job with task id `jobId` saved into a folder:
    /// `<id>-<index>`, the id's letters, digits, `-` and `_` only (`job` when none is left).
    public static func stem(jobId: String?, index: Int) -> String {
        let kept = (jobId ?? "").filter { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }
        return (kept.isEmpty ? "job" : kept) + "-\(index)"
    }

    /// The file name of `result` saved as `stem`: `<stem>.<ext>`, see `fileExtension`.
    public static func fileName(stem: String, result: JobResult?, input: String? = nil) -> String {
        stem + "." + fileExtension(of: result, input: input)
    }

    /// A result's file extension, lower case: from its URL's file name, or, when it came
    /// inline, its MIME type (`image/jpeg` → `jpg`, `image/svg+xml` → `svg`) or, for a
    /// type that names no image (`application/octet-stream`), its magic bytes; else the
    /// input's, when `input` is given; else `png`. Only 1–5 ASCII letters and digits count.
    public static func fileExtension(of result: JobResult?, input: String? = nil) -> String {
        var candidate: String?
        switch result {
        case .url(let url)?:
            candidate = pathExtension(lastSegment(url))
        case .inline(let bytes, let mimeType)?:
            var type = mimeType.split(separator: ";").first.map { $0.trimmed.lowercased() } ?? ""
            if !type.hasPrefix("image/"), let sniffed = InputCheck.sniff(Array(bytes.prefix(512))) { type = sniffed.rawValue }
            candidate =
                switch type {
                case "image/jpeg", "image/jpg": "jpg"
                case "image/svg+xml": "svg"
                case let other where other.hasPrefix("image/"): String(other.dropFirst("image/".count))
                default: nil
                }
        case nil:
            break
        }
        for text in [candidate, input.map { pathExtension(lastSegment($0)) }] {
            guard let text = text?.lowercased(), (1...5).contains(text.count),
                text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
            else { continue }
            return text
        }
        return "png"
    }

    // MARK: - Names

    /// The input's file name without its extension, or `image`.
    static func inputStem(_ input: String) -> String {
        let name = lastSegment(input)
        let stem = withoutExtension(name)
        return stem.isEmpty ? "image" : stem
    }

    static func isURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    /// The last non-empty segment of a path, or of a URL's path (percent-decoded; query
    /// and fragment dropped).
    static func lastSegment(_ text: String) -> String {
        let path = isURL(text) ? URL(string: text)?.path ?? "" : text
        return path.split(separator: "/").last.map(String.init) ?? ""
    }

    /// `cat.png` → `cat`; a name that only starts with a dot (`.hidden`) has no extension.
    static func withoutExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex, name.index(after: dot) != name.endIndex else { return name }
        return String(name[..<dot])
    }

    /// `cat.png` → `png`; "" when there is none.
    static func pathExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }
}
