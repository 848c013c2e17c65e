#if canImport(Glibc)
import Glibc
#endif

/// OpenSSL's SHA-256 (EVP), borrowed from the libcrypto that libcurl already brought into
/// the process: it uses the CPU's SHA extensions, several times faster than the scalar
/// `SHA256Stream` (about 4,500 instructions a 64-byte block), which made the upload
/// cache's hash of a 10 MB input cost twice curl's whole upload (bench/ANALYSIS.md,
/// uploads). librecraft.so does not link libcrypto: the functions are looked up with
/// dlsym in the scope of this library, which holds libcurl's dependencies whatever their
/// file names (a wheel's vendored copies are renamed). A libcurl built on another TLS
/// library has no libcrypto: then `make()` answers nil and the Swift code hashes.
final class OpenSSLSHA256 {
    private typealias MDCtxNew = @convention(c) () -> OpaquePointer?
    private typealias MDCtxFree = @convention(c) (OpaquePointer?) -> Void
    private typealias MDSHA256 = @convention(c) () -> OpaquePointer?
    private typealias DigestInitEx = @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    private typealias DigestUpdate = @convention(c) (OpaquePointer?, UnsafeRawPointer?, Int) -> Int32
    private typealias DigestFinalEx = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?) -> Int32

    private struct Functions: @unchecked Sendable {
        let ctxNew: MDCtxNew
        let ctxFree: MDCtxFree
        let sha256: MDSHA256
        let initEx: DigestInitEx
        let update: DigestUpdate
        let finalEx: DigestFinalEx
    }

    /// Looked up once. RTLD_DEFAULT from inside librecraft.so searches its own scope (its
    /// dependencies, loaded with it even under ctypes' RTLD_LOCAL), not only the global one.
    private static let functions: Functions? = {
        func symbol<T>(_ name: String, _ type: T.Type) -> T? {
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: type) }
        }
        guard let ctxNew = symbol("EVP_MD_CTX_new", MDCtxNew.self), let ctxFree = symbol("EVP_MD_CTX_free", MDCtxFree.self),
            let sha256 = symbol("EVP_sha256", MDSHA256.self), let initEx = symbol("EVP_DigestInit_ex", DigestInitEx.self),
            let update = symbol("EVP_DigestUpdate", DigestUpdate.self), let finalEx = symbol("EVP_DigestFinal_ex", DigestFinalEx.self)
        else { return nil }
        return Functions(ctxNew: ctxNew, ctxFree: ctxFree, sha256: sha256, initEx: initEx, update: update, finalEx: finalEx)
    }()

    private let functions: Functions
    private let context: OpaquePointer
    /// False once a call failed: the caller then gets nil and hashes in Swift.
    private var healthy = true

    private init(functions: Functions, context: OpaquePointer) {
        self.functions = functions
        self.context = context
    }

    /// At exit the context is left to the process: OpenSSL may have freed its state.
    deinit { _ = Lifetime.usingLibcrypto { [functions, context] in functions.ctxFree(context) } }

    /// A started digest, or nil when the process has no usable libcrypto (or is exiting).
    /// Every call into OpenSSL goes through `Lifetime.usingLibcrypto`, so that none runs
    /// while OpenSSL's exit handler frees its state (the C exit tests caught one).
    static func make() -> OpenSSLSHA256? {
        guard let functions else { return nil }
        var digest: OpenSSLSHA256?
        _ = Lifetime.usingLibcrypto {
            guard let context = functions.ctxNew() else { return }
            let made = OpenSSLSHA256(functions: functions, context: context)
            if let md = functions.sha256(), functions.initEx(context, md, nil) == 1 { digest = made }
        }
        return digest
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard healthy, bytes.count > 0 else { return }
        var ok = false
        _ = Lifetime.usingLibcrypto { ok = functions.update(context, bytes.baseAddress, bytes.count) == 1 }
        healthy = ok
    }

    /// The 32-byte digest, or nil when OpenSSL failed on the way.
    func finish() -> [UInt8]? {
        guard healthy else { return nil }
        healthy = false
        var digest = [UInt8](repeating: 0, count: 64)  // EVP_MAX_MD_SIZE
        var length: UInt32 = 0
        var ok = false
        _ = Lifetime.usingLibcrypto {
            ok = digest.withUnsafeMutableBufferPointer { functions.finalEx(context, $0.baseAddress, &length) == 1 }
        }
        guard ok, length == 32 else { return nil }
        return Array(digest[0..<32])
    }
}
