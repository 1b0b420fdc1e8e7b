import Foundation

/// A command failure: printed as `error: <message>` on stderr with the exit code of DESIGN §3.
struct Failure: Error, CustomStringConvertible {
    enum Code: Int32 {
        case failed = 1
        case usage = 2
        case invariantViolated = 3
        case livenessNotReached = 4
    }

    var message: String
    var code: Code
    /// Extra lines Quorum adds beyond Juju's message (hints), printed after it on stderr.
    var hints: [String]

    init(_ message: String, code: Code = .failed, hints: [String] = []) {
        self.message = message
        self.code = code
        self.hints = hints
    }

    var description: String { message }
}

/// Standard error, unbuffered, for errors and hints.
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
