import Backups
import BSON
import Foundation

/// DESIGN §7 "backup / verify": Quorum's archive writer and reader against GNU `tar czf` /
/// `tar xzf` on the same files in the same run. The files are mongodump-like: BSON documents
/// with repeated field names and varied values.
struct ArchiveBench {
    let directory: String
    let files: Int
    let bytesPerFile: Int

    init(files: Int = 6, bytesPerFile: Int = 8 << 20) {
        directory = NSTemporaryDirectory() + "quorum-archive-bench-\(getpid())"
        self.files = files
        self.bytesPerFile = bytesPerFile
    }

    var totalBytes: Int { files * bytesPerFile }

    /// Writes the input files under `directory/in/dump/juju`.
    func prepare() throws {
        try FileManager.default.createDirectory(atPath: directory + "/in/dump/juju", withIntermediateDirectories: true)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for f in 0..<files {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(bytesPerFile + 512)
            var n = 0
            while bytes.count < bytesPerFile {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let doc: Document = ["_id": .string("\(f):\(n)"), "series": "trusty", "life": .int32(Int32(state >> 62)),
                                     "instanceid": .string("juju-\(String(state >> 20, radix: 16))"), "seq": .int64(Int64(n)),
                                     "hasvote": .bool(state & 1 == 0)]
                bytes += try doc.encode()
                n += 1
            }
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/in/dump/juju/c\(f).bson"))
        }
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }

    private func seconds(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let elapsed = try clock.measure(body)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// (ours, tar) seconds for writing and for reading the same bytes.
    func measure() throws -> (write: (Double, Double), read: (Double, Double)) {
        let names = (0..<files).map { "dump/juju/c\($0).bson" }
        let oursWrite = try seconds {
            let writer = try ArchiveWriter(path: directory + "/ours.tar.gz", compression: .gzip, modificationTime: 0)
            for name in names {
                try writer.addFile(name, bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/in/" + name))))
            }
            _ = try writer.finish()
        }
        let tarWrite = try seconds { try run(["tar", "czf", "tar.tar.gz", "-C", "in", "dump"]) }
        let oursRead = try seconds {
            let reader = try ArchiveReader(path: directory + "/ours.tar.gz")
            while try reader.next() != nil { _ = try reader.readAll() }
        }
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
        let tarRead = try seconds { try run(["tar", "xzf", "ours.tar.gz", "-C", "out"]) }
        return ((oursWrite, tarWrite), (oursRead, tarRead))
    }
}
