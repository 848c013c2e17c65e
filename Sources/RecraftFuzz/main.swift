// The libFuzzer target for every RecraftKit decoder (provider replies, callbacks, configs,
// image headers). Build and run (see the README):
//   swift build --product recraft-fuzz --scratch-path .build-fuzz \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//   .build-fuzz/debug/recraft-fuzz -max_total_time=60 Tests/FuzzCorpus
// libFuzzer supplies main(); built without those flags the program does nothing, and the
// Swift test FuzzTests feeds the same entry point generated input on every `make test`.
import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    FuzzEntry.feed(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
