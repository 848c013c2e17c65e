import Foundation
import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

/// A result file that went missing: the download fails notFound with advice; the job
/// itself still succeeded, and a later download works.
@Suite struct FaultInjectionDownloadTests {
    @Test(arguments: FaultDialect.allCases)
    func missingResultFileIsNotFoundWithAdvice(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            let job = try bench.submit(try bench.client())
            await bench.expectSucceeded(job, "before the download")
            // Twice: a provider that refreshes links (kie's download-url) tries once more.
            try bench.sandbox.addFault(SandboxFault(.httpStatus, path: "/files/results/*", times: 2, status: 404))
            let output = bench.input + ".result.png"
            do throws(RecraftError) {
                try await job.download(to: output)
                Issue.record("\(dialect): the download of a missing file succeeded")
            } catch {
                #expect(error.code == .notFound, "\(dialect): \(error)")
                #expect(error.httpStatus == 404)
                #expect(error.message.contains("run the job again"), "\(dialect): \(error.message)")
            }
            #expect(job.state == .succeeded)
            #expect(!FileManager.default.fileExists(atPath: output), "no half file")
            #expect(try TestFiles.partials(beside: output).isEmpty, "no partial file left")
            bench.sandbox.clearFaults()
            #expect(try await job.download(to: output) == output)
            #expect(bench.accepted == 1)
            #expect(bench.stats.fileDownloadsWithAuthorization == 0)
        }
    }

    /// A result host that is briefly unavailable: the download is retried (it is free).
    @Test(arguments: [FaultDialect.market, .recraft])
    func resultHostErrorsAreRetried(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            let job = try bench.submit(try bench.client())
            await bench.expectSucceeded(job, "before the download")
            try bench.sandbox.addFault(SandboxFault(.httpStatus, path: "/files/results/*", times: 1, status: 503))
            try bench.sandbox.addFault(SandboxFault(.resetConnection, path: "/files/results/*", times: 1))
            let output = try await job.download(to: bench.input + ".result.png")
            #expect(TestImages.pngSize([UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))) != nil)
            #expect(bench.stats.faultsInjected == 2)
        }
    }
}
