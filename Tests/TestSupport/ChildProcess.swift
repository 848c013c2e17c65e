// Runs a program for the tests, on posix_spawn. Foundation's Process.run() crashes about
// one run in five on Linux in Swift 6.3.1 when the process has many descriptors open (it
// over-reads /proc/self/fd entries: swift-corelibs-foundation#5472), and a test process
// full of sandboxes and connections has many. This is the part of Process the tests use.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

public final class ChildProcess: @unchecked Sendable {
    public enum TerminationReason: Equatable, Sendable { case exit, uncaughtSignal }

    public var executableURL: URL?
    public var arguments: [String]? = []
    public var environment: [String: String]?
    public var currentDirectoryURL: URL?
    /// nil: inherited from the test process, as with Process.
    public var standardInput: FileHandle?
    public var standardOutput: FileHandle?
    public var standardError: FileHandle?

    private let lock = NSLock()
    private var pid: pid_t = 0
    private var waitStatus: Int32?

    public init() {}

    public func run() throws {
        guard let executable = executableURL?.path else { throw SpawnError("no executableURL") }
        var argv = [executable] + (arguments ?? [])
        var path = executable
        if let directory = currentDirectoryURL?.path {
            // posix_spawn has no portable chdir; GNU env does it before exec.
            path = "/usr/bin/env"
            argv = ["/usr/bin/env", "-C", directory, executable] + (arguments ?? [])
        }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(devNull) }
        for (target, handle) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            guard let handle else { continue }
            let fd = handle.fileDescriptor >= 0 ? handle.fileDescriptor : devNull
            posix_spawn_file_actions_adddup2(&actions, fd, target)
        }

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer { (cArgv + cEnv).forEach { free($0) } }
        var child = pid_t()
        let result = posix_spawn(&child, path, &actions, nil, cArgv, cEnv)
        guard result == 0 else { throw SpawnError("cannot run \(executable): \(String(cString: strerror(result)))") }
        lock.withLock { pid = child }
    }

    public var processIdentifier: Int32 { lock.withLock { pid } }

    public var isRunning: Bool {
        lock.withLock {
            guard pid > 0, waitStatus == nil else { return false }
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                waitStatus = status
                return false
            }
            return reaped == 0
        }
    }

    public func waitUntilExit() {
        while isRunning { usleep(2_000) }
    }

    public func terminate() {
        let pid = processIdentifier
        if pid > 0 && isRunning { kill(pid, SIGTERM) }
    }

    /// The exit code, or the signal's number if a signal ended it (as Process reports it).
    public var terminationStatus: Int32 {
        guard let status = lock.withLock({ waitStatus }) else { return -1 }
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : status & 0x7F
    }

    public var terminationReason: TerminationReason {
        guard let status = lock.withLock({ waitStatus }) else { return .exit }
        return status & 0x7F == 0 ? .exit : .uncaughtSignal
    }
}

public struct SpawnError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
