// Where a result is saved: next to its input with the operation as a suffix
// (`photo.png` → `photo.crisp-upscale.png`, the extension taken from the result), into
// a folder given with `-o DIR`, or to the exact file given with `-o FILE`. Never over an
// existing file unless `--force`.

import Foundation
import RecraftKit

struct OutputTarget: Sendable, Equatable {
    /// The exact file (`exact`), or the path to which `.<extension>` of the result is added.
    var path: String
    var exact: Bool
    var force: Bool

    /// The extensions a result may have; an existing file with any of them counts as the output.
    static let resultExtensions = ["png", "jpg", "jpeg", "webp", "svg"]

    /// A file already at the target, if there is one.
    func existing() -> String? {
        if exact { return Paths.exists(path) ? path : nil }
        return Self.resultExtensions.lazy.map { "\(path).\($0)" }.first(where: Paths.exists)
    }

    /// The file to save `result` to.
    func file(for result: JobResult?, input: String) -> String {
        exact ? path : "\(path).\(Self.fileExtension(of: result, input: input))"
    }

    /// The result's extension: from its URL's file name, or its MIME type when it came
    /// inline; else the input's; else png.
    static func fileExtension(of result: JobResult?, input: String) -> String {
        var candidate: String?
        switch result {
        case .url(let url)?:
            candidate = URL(string: url).map { ($0.lastPathComponent as NSString).pathExtension }
        case .inline(_, let mimeType)?:
            candidate = switch mimeType.lowercased() {
            case "image/jpeg", "image/jpg": "jpg"
            case "image/svg+xml": "svg"
            default: mimeType.split(separator: "/").last.map(String.init)
            }
        case nil:
            break
        }
        for text in [candidate, (input as NSString).pathExtension] {
            guard let text = text?.lowercased(), !text.isEmpty, text.count <= 5,
                  text.allSatisfy({ $0.isLetter || $0.isNumber }) else { continue }
            return text
        }
        return "png"
    }
}
