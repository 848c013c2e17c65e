// Running the built `recraft-cli` as a user would: a real process, real files, real
// signals, against a sandbox started in this test process.

import Foundation
import RecraftSandbox
import TestSupport
import Testing

/// One finished run of the CLI.
struct CLIRun {
    var status: Int32
    var stdout: String
    var stderr: String

    var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }

    /// `--json` output, one object per line.
    func jsonLines() throws -> [[String: Any]] {
        try stdoutLines.map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not a JSON object: \(line)")
        }
    }
}

/// A scratch folder with its own journal location, and the CLI run inside it.
struct CLI {
    let directory: String
    /// XDG_STATE_HOME for the runs: the default journal lands under it.
    var stateHome: String { directory + "/state" }
    var defaultJournal: String { stateHome + "/recraft/journal.jsonl" }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("recraft-cli-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The built binary: next to the test bundle, else in the package's `.build/debug`;
    /// built there when missing.
    static let executable: Result<String, CLIError> = Result { () throws(CLIError) -> String in
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent(), package.appendingPathComponent(".build/debug")]
            .map { $0.appendingPathComponent("recraft-cli").path }
        if let found = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) { return found }
        let build = ChildProcess()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["swift", "build", "--product", "recraft-cli", "--package-path", package.path]
        do { try build.run() } catch { throw CLIError("cannot run swift build: \(error)") }
        build.waitUntilExit()
        let built = package.appendingPathComponent(".build/debug/recraft-cli").path
        guard build.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: built) else {
            throw CLIError("recraft-cli is not built and `swift build --product recraft-cli` failed; build it first")
        }
        return built
    }

    /// Starts the CLI (or `program`, which runs it); stdout and stderr go to files (no
    /// pipe to fill up and block it).
    func start(_ arguments: [String], environment extra: [String: String] = [:], program: String? = nil) throws -> RunningCLI {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: try program ?? Self.executable.get())
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        for name in ["KIE_API_KEY", "APIKLEY_API_KEY", "RECRAFT_API_TOKEN", "RECRAFT_PROVIDER"] { environment[name] = nil }
        environment["XDG_STATE_HOME"] = stateHome
        environment.merge(extra) { $1 }
        process.environment = environment
        let id = UUID().uuidString
        let stdout = directory + "/.stdout-\(id)"
        let stderr = directory + "/.stderr-\(id)"
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return RunningCLI(process: process, stdoutPath: stdout, stderrPath: stderr)
    }

    /// Runs the CLI to the end (at most `limit`).
    func run(
        _ arguments: [String], environment: [String: String] = [:], limit: Duration = .seconds(60), program: String? = nil
    ) async throws -> CLIRun {
        let running = try start(arguments, environment: environment, program: program)
        return try await running.finish(limit: limit)
    }

    /// Writes `count` small PNGs (`name0.png`, …) into `folder` (created) and returns their paths.
    @discardableResult
    func images(_ count: Int, in folder: String = "", name: String = "image", width: Int = 32, height: Int = 24) throws -> [String] {
        let target = folder.isEmpty ? directory : directory + "/" + folder
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        return try (0..<count).map { index in
            let path = target + "/" + (count == 1 ? "\(name).png" : "\(name)\(index).png")
            try Data(TestImages.png(width: width, height: height)).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    func path(_ relative: String) -> String { directory + "/" + relative }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(folder))) ?? []).sorted()
    }
}

struct RunningCLI {
    let process: ChildProcess
    let stdoutPath: String
    let stderrPath: String

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Sends `number` as soon as the output so far satisfies `condition`. Watched from a
    /// thread of its own: the tasks of a test can wait seconds for a turn when other suites
    /// keep the shared pool busy, long enough for a short batch to end before the signal.
    func signal(_ number: Int32, when condition: @escaping @Sendable (_ stdout: String, _ stderr: String) -> Bool) {
        let process = process
        let (stdoutPath, stderrPath) = (self.stdoutPath, self.stderrPath)
        Thread {
            let deadline = Date() + 60
            while Date() < deadline, process.isRunning {
                let stdout = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
                let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
                if condition(stdout, stderr) {
                    if process.isRunning { kill(process.processIdentifier, number) }
                    return
                }
                usleep(5_000)
            }
        }.start()
    }

    func finish(limit: Duration = .seconds(60)) async throws -> CLIRun {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw CLIError("recraft-cli \(process.arguments ?? []) did not finish within \(limit); stderr:\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return CLIRun(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A sandbox for one test, shut down at the end.
func withSandbox<T>(
    taskDuration: Duration = .milliseconds(100), apiKey: String? = nil,
    _ body: (Sandbox) async throws -> T
) async throws -> T {
    var configuration = SandboxConfiguration()
    configuration.taskDuration = taskDuration
    configuration.apiKey = apiKey
    let sandbox = try await Sandbox.start(configuration)
    do {
        let result = try await body(sandbox)
        await sandbox.shutdown()
        return result
    } catch {
        await sandbox.shutdown()
        throw error
    }
}
