import Foundation
import XCTest

/// Runs the built `quorum` binary in a private $QUORUM_HOME and captures what it prints.
struct QuorumCLI {
    struct Result {
        var stdout: String
        var stderr: String
        var code: Int32
    }

    let home: URL

    init() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    /// The binary sits next to the test bundle in SwiftPM's build directory.
    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["QUORUM_BIN"] { return URL(fileURLWithPath: explicit) }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("quorum")
    }

    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = QuorumCLI.binary
        process.arguments = arguments
        // Files a command writes by default (backups) land in the test's scratch home.
        process.currentDirectoryURL = home
        var environment = ProcessInfo.processInfo.environment
        environment["QUORUM_HOME"] = home.path
        environment.removeValue(forKey: "SWIFT_DETERMINISTIC_HASHING")
        for (k, v) in extra { environment[k] = v }
        process.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self), code: process.terminationStatus)
    }

    /// Runs a command that must succeed, failing the test with its stderr otherwise.
    @discardableResult
    func ok(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try run(arguments)
        XCTAssertEqual(result.code, 0, "quorum \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        return result.stdout
    }

    func path(_ relative: String) -> String { home.appendingPathComponent(relative).path }

    func read(_ relative: String) throws -> Data { try Data(contentsOf: home.appendingPathComponent(relative)) }

    /// Every file under the home with its bytes, to prove a failed command changed nothing.
    func contents() throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: home, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            if (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
                result[url.path] = try Data(contentsOf: url)
            }
        }
        return result
    }

    func cleanUp() { try? FileManager.default.removeItem(at: home) }
}
