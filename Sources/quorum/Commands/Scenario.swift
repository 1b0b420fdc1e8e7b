import ArgumentParser
import Foundation
import Simulation

/// `quorum scenario run FILE…`: runs scenario scripts and compares each with its own transcript.
struct Scenario: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run scenario scripts with golden output.", subcommands: [Run.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run scenario scripts; each must match the output it records.")

        @Argument(help: "Scenario files (lines `> command`, followed by the output they expect).")
        var files: [String]

        @Flag(help: "Write each file's actual output back into it instead of comparing.")
        var rewrite = false

        @Option(help: "Draw the members over simulated time into this SVG file (one scenario file only).")
        var timeline: String?

        func validate() throws {
            guard timeline == nil || files.count == 1 else { throw ValidationError("--timeline draws one scenario; give one file") }
        }

        func run() throws {
            var mismatched: [String] = []
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { throw Failure("cannot read \(file)") }
                let script = String(decoding: data, as: UTF8.self)
                var runner = ScenarioRunner()
                runner.recordsTimeline = timeline != nil
                let actual = runner.transcript(of: script)
                if let path = timeline {
                    guard let recorded = runner.world?.timeline else { throw Failure("\(file) starts no cluster, so there is nothing to draw") }
                    try FileSystem.writeAtomically(Data(TimelineSVG(timeline: recorded, title: "quorum scenario run \(file)").render().utf8), to: path)
                }
                if rewrite {
                    if actual != script { try FileSystem.writeAtomically(Data(actual.utf8), to: file) }
                    print("\(file): written")
                } else if actual == script {
                    print("\(file): ok")
                } else {
                    mismatched.append(file)
                    print("\(file): differs")
                    print(Self.diff(expected: script, actual: actual), terminator: "")
                }
            }
            if !mismatched.isEmpty {
                throw Failure("\(mismatched.count) scenario\(mismatched.count == 1 ? "" : "s") did not match", code: .invariantViolated)
            }
        }

        /// The first differing lines, enough to see what changed.
        static func diff(expected: String, actual: String) -> String {
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            var out = ""
            for i in 0..<max(e.count, a.count) where (i < e.count ? e[i] : nil) != (i < a.count ? a[i] : nil) {
                out += "  line \(i + 1):\n    expected: \(i < e.count ? String(e[i]) : "(end)")\n    actual:   \(i < a.count ? String(a[i]) : "(end)")\n"
                if out.count > 2_000 { break }
            }
            return out
        }
    }
}
