import ArgumentParser
import CArchive
import CBSON
import CDqlite

/// `quorum version`: Quorum's version, and with `--all` the engines it is built on.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the version of quorum and its engines.")

    @Flag(help: "Also show the versions of the linked libraries.")
    var all = false

    func run() {
        print(Quorum.version)
        guard all else { return }
        let dqlite = dqlite_version_number()
        print("libbson \(String(cString: bson_get_version()))")
        print("libdqlite \(dqlite / 10000).\(dqlite / 100 % 100).\(dqlite % 100)")
        print(String(cString: archive_version_string()).replacingOccurrences(of: "libarchive ", with: "libarchive "))
    }
}
