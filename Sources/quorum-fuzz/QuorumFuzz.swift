import FuzzTargets
#if canImport(Glibc)
import Glibc
#endif

/// One executable for every fuzz target. libFuzzer allows one `LLVMFuzzerTestOneInput` per
/// program, so the target is named by `QUORUM_FUZZ_TARGET` (scripts/fuzz.sh sets it); without
/// libFuzzer the first argument names it and the rest are inputs to replay.
func target(named name: String?) -> (UnsafeRawBufferPointer) -> FuzzVerdict {
    guard let name, let target = FuzzTargets.all[name] else {
        let names = FuzzTargets.all.keys.sorted().joined(separator: ", ")
        fputs("error: name a fuzz target (\(names))\n", stderr)
        exit(2)
    }
    return target
}

#if FUZZING
let selected = target(named: getenv("QUORUM_FUZZ_TARGET").map { String(cString: $0) })

/// libFuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = selected(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// SwiftPM names an executable's entry point after its module; hand it to libFuzzer's driver
/// (built by `make fuzz` with `-sanitize=fuzzer,address`).
@_cdecl("quorum_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = selected
    return FuzzDriver.run(argc, argv, fuzzOneInput)
}
#else
/// `quorum-fuzz TARGET FILE|DIR…`: replays stored inputs through one target.
@main
enum QuorumFuzz {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        FuzzReplay.run(target(named: arguments.first), arguments: Array(arguments.dropFirst()))
    }
}
#endif
