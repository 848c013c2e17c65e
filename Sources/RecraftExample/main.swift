// Upscales one image through RecraftKit from Swift: submit, wait, download.
// Usage: recraft-swift-example BASE_URL INPUT OUTPUT
// (BASE_URL is a sandbox's, from `recraft-cli sandbox`; for kie use provider .kie and KIE_API_KEY.)
import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// Prints a line to standard error.
func complain(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func run(baseURL: String, input: String, output: String) async throws(RecraftError) -> Int32 {
    let client = try Client(Configuration(provider: .sandbox, baseURL: baseURL))
    let job = try client.submit(JobRequest(operation: .crispUpscale, image: ImageSource(input)))
    let state = await job.wait(timeout: .seconds(120))
    guard state == .succeeded else {
        complain("the job ended \(state): \(job.error?.message ?? "no result in time")")
        return 1
    }
    let path = try await job.download(to: output)
    print("swift: task \(job.id ?? "?") done; result saved to \(path)")
    return 0
}

let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    complain("usage: recraft-swift-example BASE_URL INPUT OUTPUT")
    exit(2)
}
do {
    exit(try await run(baseURL: arguments[1], input: arguments[2], output: arguments[3]))
} catch {
    complain("error: \(error.message)")
    exit(1)
}
