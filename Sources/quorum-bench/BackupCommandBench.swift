import Foundation

/// DESIGN §7 "backup / verify", measured on the commands a user runs: an environment filled by
/// `restore-backup` of a generated legacy archive, then `create-backup` and `verify-backup` of
/// it against GNU `tar czf` / `tar xzf` of the very files that backup holds, in the same run.
/// Each command's time includes its process start and loading the environment.
struct BackupCommandBench {
    let quorum: String
    let documents: Int
    let directory = NSTemporaryDirectory() + "quorum-backup-bench-\(getpid())"

    struct Run {
        /// Bytes inside the archives (uncompressed): the source's and the new backup's.
        var restoredBytes: Int
        var backupBytes: Int
        var restore: Double
        var create: Double
        var verify: Double
        var tarCreate: Double
        var tarExtract: Double
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }

    private func timed(_ arguments: [String]) throws -> Double { try MigrationBench.spawnDirect(arguments).0 }

    func run() throws -> Run {
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        setenv("QUORUM_HOME", directory + "/home", 1)
        let source = directory + "/source.tar.gz", ours = directory + "/ours.tar.gz"
        _ = try timed([quorum, "fixtures", "generate", "--flavor", "legacy", "--agent-version", "1.25.6", "--docs", String(documents),
                       "--seed", "1", "-o", source])
        let restore = try timed([quorum, "restore-backup", source, "--into", "bench", "--clock", "virtual"])
        let create = try timed([quorum, "create-backup", "--filename", ours])
        let verify = try timed([quorum, "verify-backup", ours])
        let tarExtract = try timed(["/usr/bin/env", "tar", "xzf", ours, "-C", try emptyDirectory("ours")])
        let tarCreate = try timed(["/usr/bin/env", "tar", "czf", directory + "/tar.tar.gz", "-C", directory + "/ours", "."])
        _ = try timed(["/usr/bin/env", "tar", "xzf", source, "-C", try emptyDirectory("source")])
        return Run(restoredBytes: bytes(under: directory + "/source"), backupBytes: bytes(under: directory + "/ours"),
                   restore: restore, create: create, verify: verify, tarCreate: tarCreate, tarExtract: tarExtract)
    }

    private func emptyDirectory(_ name: String) throws -> String {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func bytes(under path: String) -> Int {
        let enumerator = FileManager.default.enumerator(atPath: path)
        var total = 0
        while let name = enumerator?.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name)
            if attributes?[.type] as? FileAttributeType == .typeRegular { total += (attributes?[.size] as? Int) ?? 0 }
        }
        return total
    }
}

func backupCommandFigures(into figures: inout [Figure], binary: URL) {
    let documents = Int(ProcessInfo.processInfo.environment["QUORUM_BACKUP_DOCS"] ?? "") ?? 100_000
    let bench = BackupCommandBench(quorum: binary.path, documents: documents)
    defer { bench.cleanUp() }
    do {
        let run = try bench.run()
        let mb = Double(run.backupBytes) / 1_000_000
        let label = "\(documents / 1000)k-document legacy environment, \(String(format: "%.0f", mb)) MB in the backup"
        figures.append(Figure(name: "create-backup of a \(label)", value: String(format: "%.1f", mb / run.create), unit: "MB/s",
                              target: "≥ 0.8 × tar czf"))
        figures.append(Figure(name: "  tar czf, the same files", value: String(format: "%.1f", mb / run.tarCreate), unit: "MB/s",
                              target: String(format: "ratio create-backup / tar czf %.2f", run.tarCreate / run.create)))
        figures.append(Figure(name: "verify-backup of that archive", value: String(format: "%.1f", mb / run.verify), unit: "MB/s",
                              target: "≥ 0.8 × tar xzf"))
        figures.append(Figure(name: "  tar xzf, the same archive", value: String(format: "%.1f", mb / run.tarExtract), unit: "MB/s",
                              target: String(format: "ratio verify-backup / tar xzf %.2f", run.tarExtract / run.verify)))
        figures.append(Figure(name: "restore-backup of the \(documents / 1000)k-document archive into a new environment",
                              value: String(format: "%.1f", Double(run.restoredBytes) / 1_000_000 / run.restore), unit: "MB/s",
                              target: "reported"))
    } catch {
        figures.append(Figure(name: "create-backup / verify-backup / restore-backup", value: "not measured", unit: "", target: "\(error)"))
    }
}
