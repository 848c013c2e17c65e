// Colour on a terminal, honouring NO_COLOR: a failure is red only when stderr is a
// terminal and NO_COLOR is unset; never in a pipe or a file. The terminal is a real
// pseudo-terminal from util-linux's `script`.

import Foundation
import TestSupport
import Testing

@Suite struct ColourTests {
    static let escape = "\u{1B}["
    static let script = "/usr/bin/script"

    @Test func noColourWhenStderrIsAFile() async throws {
        let cli = try CLI()
        try cli.images(1, name: "photo")
        let run = try await cli.run(["crisp-upscale", "photo.png"])  // no API key: fails
        #expect(run.status == 3)
        #expect(run.stderr.contains("no API key"), "\(run.stderr)")
        #expect(!run.stderr.contains(Self.escape) && !run.stdout.contains(Self.escape), "\(run.stderr)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: script), "needs util-linux's script for a terminal"))
    func redOnATerminalUnlessNoColor() async throws {
        let cli = try CLI()
        try cli.images(1, name: "photo")
        let command = Self.quoted(try CLI.executable.get()) + " crisp-upscale photo.png"
        let coloured = try await cli.run(Self.onTerminal(command), environment: ["NO_COLOR": "", "TERM": "xterm"], program: Self.script)
        #expect(coloured.stdout.contains(Self.escape + "31mrecraft: no API key"), "\(coloured.stdout)")
        let plain = try await cli.run(Self.onTerminal(command), environment: ["NO_COLOR": "1", "TERM": "xterm"], program: Self.script)
        #expect(plain.stdout.contains("recraft: no API key"), "\(plain.stdout)")
        #expect(!plain.stdout.contains(Self.escape), "NO_COLOR is set: \(plain.stdout)")
        let success = try await cli.run(
            Self.onTerminal(Self.quoted(try CLI.executable.get()) + " --version"), environment: ["TERM": "xterm"], program: Self.script)
        #expect(success.status == 0 && !success.stdout.contains(Self.escape), "a success stays plain: \(success.stdout)")
    }

    /// `script`'s arguments to run the shell `command` on a new pseudo-terminal (its
    /// stdout and stderr both the terminal, copied to script's stdout), exiting with its status.
    static func onTerminal(_ command: String) -> [String] { ["-qec", command, "/dev/null"] }

    static func quoted(_ path: String) -> String { "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
