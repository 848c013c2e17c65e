// Where a result is saved: next to its input with the operation as a suffix
// (`photo.png` → `photo.crisp-upscale.png`, named by the core's OutputName), into
// a folder given with `-o DIR`, or to the exact file given with `-o FILE`. Never over an
// existing file unless `--force`.

import Foundation
import RecraftKit

struct OutputTarget: Sendable, Equatable {
    /// The exact file (`exact`), or the path to which `.<extension>` of the result is added.
    var path: String
    var exact: Bool
    var force: Bool

    /// A file already at the target, if there is one (with any extension a result may have).
    func existing() -> String? {
        if exact { return Paths.exists(path) ? path : nil }
        return OutputName.resultExtensions.lazy.map { "\(path).\($0)" }.first(where: Paths.exists)
    }

    /// The file to save `result` to: the extension from the result, else the input's
    /// (`OutputName.fileName`, the core's one rule).
    func file(for result: JobResult?, input: String) -> String {
        exact ? path : OutputName.fileName(stem: path, result: result, input: input)
    }
}
