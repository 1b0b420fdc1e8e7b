import Foundation

/// DESIGN §7 "migration": `quorum migrate-backup` legacy → modern end to end on generated
/// archives, against the minimal C program (bench/baseline/migrate_baseline.c: libbson stream
/// reader → prepared SQLite inserts in one transaction) on the same documents in the same run.
/// Both run as child processes, so each one's peak RSS is its own.
struct MigrationBench {
    let directory: String
    let quorum: String
    let baseline: String?

    struct Run {
        var documents: Int
        var bytes: Int
        var ours: (seconds: Double, peakKiB: Int)
        var c: (seconds: Double, peakKiB: Int)?
    }

    init(quorum: String, baseline: String?) {
        directory = NSTemporaryDirectory() + "quorum-migrate-bench-\(getpid())"
        self.quorum = quorum
        self.baseline = baseline
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }

    /// Runs `arguments`, returning wall seconds and the child's peak RSS (KiB). The peak comes
    /// from /usr/bin/time when there is one: Linux charges a child spawned from this process with
    /// this process's own peak until it execs, which would hide a small program's figure.
    static func spawn(_ arguments: [String]) throws -> (Double, Int) {
        let time = "/usr/bin/time"
        guard FileManager.default.isExecutableFile(atPath: time) else { return try spawnDirect(arguments) }
        let report = NSTemporaryDirectory() + "quorum-bench-rss-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: report) }
        let (seconds, _) = try spawnDirect([time, "-f", "%M", "-o", report] + arguments)
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        let kib = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last ?? 0
        return (seconds, kib)
    }

    static func spawnDirect(_ arguments: [String]) throws -> (Double, Int) {
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let start = DispatchTime.now()
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else {
            throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "cannot start \(arguments[0])"])
        }
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        guard status == 0 else {
            throw NSError(domain: "bench", code: Int(status), userInfo: [NSLocalizedDescriptionKey: "\(arguments.joined(separator: " ")) failed"])
        }
        return (seconds, Int(usage.ru_maxrss))
    }

    func run(documents: Int) throws -> Run {
        let work = directory + "/\(documents)"
        try FileManager.default.createDirectory(atPath: work + "/extracted", withIntermediateDirectories: true)
        _ = try Self.spawn([quorum, "fixtures", "generate", "--flavor", "legacy", "--agent-version", "1.25.6", "--machines", "100",
                            "--units", "300", "--docs", String(documents), "--seed", "1", "-o", work + "/legacy.tar.gz"])
        _ = try Self.spawn(["/usr/bin/env", "tar", "xzf", work + "/legacy.tar.gz", "-C", work + "/extracted"])
        var files: [String] = []
        var bytes = 0
        let dump = work + "/extracted/juju-backup/dump"
        for database in try FileManager.default.contentsOfDirectory(atPath: dump).sorted() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dump + "/" + database, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            for name in try FileManager.default.contentsOfDirectory(atPath: dump + "/" + database).sorted() where name.hasSuffix(".bson") {
                let path = dump + "/" + database + "/" + name
                files.append(path)
                bytes += (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            }
        }
        let ours = try Self.spawn([quorum, "migrate-backup", work + "/legacy.tar.gz", "-o", work + "/modern.tar.gz"])
        var c: (Double, Int)?
        if let baseline {
            c = try Self.spawn([baseline, work + "/baseline.sqlite"] + files)
        }
        try? FileManager.default.removeItem(atPath: work)
        return Run(documents: documents, bytes: bytes, ours: ours, c: c)
    }
}
