// Writing to the terminal: whole lines, straight to the file descriptors (no stdio
// buffer to lose on exit), one writer at a time so lines never interleave.

import Foundation
import RecraftKit
import Synchronization

enum Console {
    private static let lock = Mutex(())

    /// Whether stderr is a terminal: the live progress line is drawn only then.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// The terminal's width in columns, or 80 when it cannot be told.
    static var stderrColumns: Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Writes `text` followed by a newline to stderr.
    static func error(_ text: String) { write(text + "\n", to: STDERR_FILENO) }

    /// Whether `fd` takes colour: only a terminal (not TERM=dumb), and never when NO_COLOR
    /// is set to anything but "" (https://no-color.org). The one place this is decided.
    static func colours(_ fd: Int32) -> Bool {
        if let noColor = ProcessInfo.processInfo.environment["NO_COLOR"], !noColor.isEmpty { return false }
        if ProcessInfo.processInfo.environment["TERM"] == "dumb" { return false }
        return isatty(fd) == 1
    }

    /// `text` in red on stderr when it takes colour (a failure stands out), else as it is.
    /// Successes stay plain.
    static func failure(_ text: String) -> String {
        colours(STDERR_FILENO) ? "\u{1B}[31m" + text + "\u{1B}[0m" : text
    }

    /// Writes `text` followed by a newline to stdout.
    static func output(_ text: String) { write(text + "\n", to: STDOUT_FILENO) }

    /// Writes `text` as is (no newline) to `fd`, retrying short writes.
    static func write(_ text: String, to fd: Int32) {
        let bytes = Array(text.utf8)
        lock.withLock { _ in
            _ = writeAll(fd, bytes)  // a closed pipe: nothing more can be said
        }
    }
}
