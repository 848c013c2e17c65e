import FoundationEssentials

/// How a result file is named: one rule for every surface. The CLI names a result after
/// its input (`photo.png` → `photo.crisp-upscale.png`), `Job.download` into a folder and
/// the Python bindings (through recraft_job_file_name and recraft_output_stem) name it
/// `<task id>-<index>.<ext>` or after the stem they are given; the extension always comes
/// from the result.
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

    /// A result's file extension, lower case: from its URL's file name, or its MIME type
    /// when it came inline (`image/jpeg` → `jpg`, `image/svg+xml` → `svg`); else the
    /// input's, when `input` is given; else `png`. Only 1–5 ASCII letters and digits count.
    public static func fileExtension(of result: JobResult?, input: String? = nil) -> String {
        var candidate: String?
        switch result {
        case .url(let url)?:
            candidate = pathExtension(lastSegment(url))
        case .inline(_, let mimeType)?:
            let type = mimeType.split(separator: ";").first.map { $0.trimmed.lowercased() } ?? ""
            candidate =
                switch type {
                case "image/jpeg", "image/jpg": "jpg"
                case "image/svg+xml": "svg"
                default: type.split(separator: "/").last.map(String.init)
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
