// The fuzz targets for every RecraftKit decoder (provider replies, callbacks, configs,
// image headers; and, with RECRAFT_FUZZ=headers, HTTP header values and URLs). With
// libFuzzer (see the README):
//   swift build --product recraft-fuzz --scratch-path .build-fuzz -Xswiftc -DFUZZING \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
//   cp -r Tests/FuzzCorpus /tmp/corpus   # libFuzzer adds what it finds to the folder
//   .build-fuzz/debug/recraft-fuzz -max_total_time=60 /tmp/corpus
// (lld, because gold crashes on the fuzzer runtime's debug info.)
// Built without the sanitizer it feeds each file named on its command line once, so a
// crash libFuzzer found can be replayed in a plain debug build. The Swift test FuzzTests
// feeds the same entry point generated input on every `make test`.
import FoundationEssentials
import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// Which target runs: RECRAFT_FUZZ=headers for the header parsers (FuzzEntry.feedHeaders),
/// else every decoder of bodies, configs and image headers (FuzzEntry.feed).
let feedTarget: @Sendable ([UInt8]) -> Void =
    getenv("RECRAFT_FUZZ").map { String(cString: $0) } == "headers"
    ? FuzzEntry.feedHeaders : FuzzEntry.feed

/// libFuzzer's entry point (its FuzzerMain.o references it by name).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    feedTarget(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if FUZZING
// SwiftPM gives an executable its own main, so libFuzzer's is not the one that runs:
// hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32
var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(runDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
#else
for path in CommandLine.arguments.dropFirst() {
    guard let data = FileManager.default.contents(atPath: path) else {
        print("cannot read \(path)")
        exit(2)
    }
    feedTarget([UInt8](data))
    print("fed \(path) (\(data.count) bytes)")
}
#endif
