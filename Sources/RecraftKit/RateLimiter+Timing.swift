#if canImport(Glibc)
import Glibc
#endif

/// A measurement hook for the benchmarks (bench/run's "one account, many processes"):
/// when RECRAFT_LIMITER_TIMING names a file, every grant decision of the store (one
/// `Store.tryGrant`, queueing on the store's thread included) appends its duration in
/// microseconds to it, one a line. Unset, it costs one load of a constant per decision.
enum GrantTiming {
    private static let fd: Int32 = {
        guard let path = getenv("RECRAFT_LIMITER_TIMING"), path.pointee != 0 else { return -1 }
        return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }()

    static func record(since start: ContinuousClock.Instant) {
        guard fd >= 0 else { return }
        let elapsed = ContinuousClock.now - start
        let microseconds = elapsed.components.seconds &* 1_000_000 &+ elapsed.components.attoseconds / 1_000_000_000_000
        let line = Array("\(microseconds)\n".utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }  // O_APPEND: one line per write, whole
    }
}
