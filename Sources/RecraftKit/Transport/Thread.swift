#if canImport(Glibc)
import Glibc
#endif

/// Starts a detached POSIX thread running `body`. The transport needs its own thread
/// (libcurl's poll blocks), and Foundation's `Thread` is not in FoundationEssentials.
/// Returns false when no thread could be made (the process is out of threads).
@discardableResult
func startThread(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread, nil,
        { raw in
            guard let raw else { return nil }
            Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
    if result != 0 {
        // No thread: running inline would block the caller forever, so release and say so.
        Unmanaged<Box>.fromOpaque(context).release()
        return false
    }
    pthread_detach(thread)
    return true
}
