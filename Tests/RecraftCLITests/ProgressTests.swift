// The live progress line: drawn and redrawn on stderr when it is a terminal (here a
// pseudo-terminal), never when it is a file (the other tests).

import Foundation
import RecraftSandbox
import Synchronization
import TestSupport
import Testing

@Suite struct ProgressTests {
    @Test func aTerminalGetsOneLiveLineRedrawn() async throws {
        try await withSandbox(taskDuration: .milliseconds(400)) { sandbox in
            let cli = try CLI()
            try cli.images(6, in: "photos")
            let terminal = try PseudoTerminal()
            let process = ChildProcess()
            process.executableURL = URL(fileURLWithPath: try CLI.executable.get())
            process.arguments = [
                "crisp-upscale", "photos", "--concurrency", "2", "--no-journal",
                "--provider", "sandbox", "--base-url", sandbox.baseURL
            ]
            process.currentDirectoryURL = URL(fileURLWithPath: cli.directory)
            process.standardError = terminal.follower
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            try terminal.follower.close()
            let deadline = ContinuousClock.now + .seconds(60)
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(process.terminationStatus == 0)
            let text = terminal.text()
            #expect(text.contains("\r\u{1B}[K"), "the line is redrawn in place: \(text.debugDescription)")
            #expect(text.contains("crisp-upscale: 0/6 done, "), "\(text.debugDescription)")
            #expect(text.contains("in flight"))
            #expect(text.contains("ETA"), "a rate and an ETA once jobs finish: \(text.debugDescription)")
            #expect(text.contains("crisp-upscale: 6 saved in"), "the summary replaces the live line")
            #expect(!text.contains("[1/6] saved"), "no line per job on a terminal")
        }
    }
}

/// A pseudo-terminal pair: the child writes to `follower`; a thread drains the leader.
final class PseudoTerminal: Sendable {
    let follower: FileHandle
    private let leader: Int32
    private let received = Mutex<[UInt8]>([])
    private let drained = DispatchSemaphore(value: 0)

    init() throws {
        // posix_openpt and friends are not in Swift's Glibc module; their Linux ioctls are.
        let unlock: UInt = 0x4004_5431  // TIOCSPTLCK
        let number: UInt = 0x8004_5430  // TIOCGPTN
        leader = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var locked: Int32 = 0
        var index: Int32 = 0
        guard leader >= 0, ioctl(leader, unlock, &locked) == 0, ioctl(leader, number, &index) == 0 else {
            throw CLIError("no pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let fd = open("/dev/pts/\(index)", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { throw CLIError("cannot open the pseudo-terminal's follower") }
        follower = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(leader, &buffer, buffer.count)
                if count <= 0 { break }  // EIO once every follower is closed
                received.withLock { $0 += buffer[0..<count] }
            }
            drained.signal()
        }
        thread.start()
    }

    /// Everything written, once the child has exited and closed its end.
    func text() -> String {
        _ = drained.wait(timeout: .now() + 5)
        return String(decoding: received.withLock { $0 }, as: UTF8.self)
    }

    deinit { close(leader) }
}
