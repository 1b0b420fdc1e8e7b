import Backups
import BSON
import Foundation
import HACore
import Simulation

/// What a fuzz target made of an input. Inputs are never allowed to crash, hang or leak;
/// beyond that each target checks a property of what it accepted.
public enum FuzzVerdict: Equatable, Sendable {
    case accepted
    case rejected(String)
}

/// The fuzz targets (`make fuzz` runs each under libFuzzer; `FuzzTargetsTests` replays the
/// stored inputs under `Fixtures/fuzz/<target>/`).
public enum FuzzTargets {
    public static let all: [String: (UnsafeRawBufferPointer) -> FuzzVerdict] = [
        "bson": bsonDocument, "archive": backupArchive, "scenario": scenarioScript,
        "mongo-wire": mongoWireStream, "dqlite-wire": dqliteWireStream,
    ]

    /// BSON: whatever decodes must re-encode to the same bytes, and its canonical extended
    /// JSON must parse back to an equal document.
    public static func bsonDocument(_ input: UnsafeRawBufferPointer) -> FuzzVerdict {
        let document: Document
        do {
            document = try Document(bson: input)
        } catch {
            return .rejected("\(error)")
        }
        guard let encoded = try? document.encode() else { fatalError("a decoded document failed to encode") }
        precondition(encoded.elementsEqual(input), "re-encoding changed the bytes")
        // libbson renders no JSON for what JSON cannot carry (such as invalid UTF-8), and its
        // JSON reader stops short of the deepest nesting BSON allows.
        guard let json = try? document.canonicalExtendedJSON else { return .rejected("no extended JSON for this document") }
        guard depth(document) < jsonReaderDepthLimit else { return .accepted }
        // libbson's decimal128 text does not always read back to the same text (non-canonical
        // encodings); the byte round trip above already covers those documents.
        guard !containsDecimal128(document) else { return .accepted }
        // libbson's JSON reader appends JavaScript code as a C string, so code with a NUL in it
        // comes back cut short; the byte round trip above covers it.
        guard !contains(document, where: codeHasNUL) else { return .accepted }
        guard let back = try? Document(extendedJSON: json) else { fatalError("canonical extended JSON did not parse back: \(json)") }
        // The text must come back the same; the bytes need not, since a non-canonical decimal128
        // encoding reads back as the canonical one with the same value.
        precondition((try? back.canonicalExtendedJSON) == json, "extended JSON round trip changed the document")
        return .accepted
    }

    /// Nesting levels libbson's JSON reader takes (its recursion limit).
    static let jsonReaderDepthLimit = 99

    static func containsDecimal128(_ document: Document) -> Bool {
        contains(document) { if case .decimal128 = $0 { return true } else { return false } }
    }

    static func codeHasNUL(_ value: Value) -> Bool {
        switch value {
        case .javascript(let code), .javascriptWithScope(let code, _): return code.utf8.contains(0)
        default: return false
        }
    }

    /// Whether any value, at any depth (scopes of code included), satisfies `test`.
    static func contains(_ document: Document, where test: (Value) -> Bool) -> Bool {
        document.values.contains { value in
            if test(value) { return true }
            switch value {
            case .document(let d), .javascriptWithScope(_, let d): return contains(d, where: test)
            case .array(let items): return items.contains { test($0) || contains(["": $0], where: test) }
            default: return false
            }
        }
    }

    static func depth(_ document: Document) -> Int { 1 + (document.values.map(depth).max() ?? 0) }

    static func depth(_ value: Value) -> Int {
        switch value {
        case .document(let d): return depth(d)
        case .array(let items): return 1 + (items.map(depth).max() ?? 0)
        default: return 0
        }
    }

    /// A backup archive (any flavor): read it whole, as `verify-backup` and `restore-backup`
    /// do; every refusal must be a `BackupError`.
    public static func backupArchive(_ input: UnsafeRawBufferPointer) -> FuzzVerdict {
        let path = NSTemporaryDirectory() + "quorum-fuzz-\(getpid()).tar.gz"
        defer { unlink(path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(input)) else { fatalError("cannot write \(path)") }
        do {
            _ = try BackupReader.read(path: path)
            return .accepted
        } catch {
            return .rejected(error.description)
        }
    }

    /// A scenario script: at most 12 commands, run against the simulator; the transcript must
    /// echo every command line it ran.
    public static func scenarioScript(_ input: UnsafeRawBufferPointer) -> FuzzVerdict {
        let text = String(decoding: input, as: UTF8.self)
        let commands = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).filter { $0.hasPrefix("> ") }
        guard commands.count <= 12, text.utf8.count <= 2_048 else { return .rejected("longer than a fuzz scenario may be") }
        // Simulated time costs real time (a day of heartbeats among 8 members takes seconds), so
        // a fuzz scenario advances an hour at most; longer runs are the seed sweeps' job.
        let advanced = commands.compactMap { line -> Int64? in
            let words = line.dropFirst(2).split(separator: " ")
            guard words.first == "advance", words.count > 1 else { return nil }
            return Interval(parsing: String(words[1]))?.microseconds
        }
        guard advanced.allSatisfy({ $0 <= Interval.hours(1).microseconds }),
              advanced.reduce(0, +) <= Interval.hours(1).microseconds else {
            return .rejected("advances more simulated time than a fuzz scenario may")
        }
        let transcript = ScenarioRunner.transcript(of: text)
        let echoed = transcript.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).filter { $0.hasPrefix("> ") }
        precondition(echoed == commands, "the transcript lost or changed a command line")
        return transcript.contains("error: ") ? .rejected("a command was refused") : .accepted
    }
}
