import FuzzTargets

#if FUZZING
/// libFuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = FuzzTargets.mongoWireStream(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// SwiftPM names an executable's entry point after its module; hand it to libFuzzer's driver
/// (built by `make fuzz` with `-sanitize=fuzzer,address`).
@_cdecl("fuzz_mongo_wire_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzOneInput)
}
#else
/// Without libFuzzer: replays the inputs named on the command line (files or directories).
@main
enum FuzzMongoWire {
    static func main() {
        FuzzReplay.run(FuzzTargets.mongoWireStream, arguments: Array(CommandLine.arguments.dropFirst()))
    }
}
#endif
