import Foundation

/// Runs one of the Python interop scripts under `Tests/Interop/` and hands back what it
/// printed on stdout (its stderr is dropped) and its exit status.
enum InteropScript {
    static func run(python: String, script: String, _ arguments: [String]) throws -> (out: Data, code: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (data, process.terminationStatus)
    }
}
