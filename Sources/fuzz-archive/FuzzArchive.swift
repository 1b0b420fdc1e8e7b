import FuzzTargets

#if FUZZING
/// libFuzzer's entry point (built by `make fuzz` with `-sanitize=fuzzer,address`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = FuzzTargets.backupArchive(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
/// Without libFuzzer: replays the inputs named on the command line (files or directories).
@main
enum FuzzArchive {
    static func main() {
        FuzzReplay.run(FuzzTargets.backupArchive, arguments: Array(CommandLine.arguments.dropFirst()))
    }
}
#endif
