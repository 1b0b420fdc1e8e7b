import Foundation
import Live

/// DESIGN §7 "live failover, legacy": a live 3-state-server environment (agent processes
/// speaking the MongoDB wire protocol); a warm pymongo client SIGKILLs the primary's agent
/// and retries a majority write until it succeeds. The killed agent is restarted and rejoins
/// as a secondary before the next run.
struct LegacyFailoverBench {
    let quorum: URL
    /// `.venv/pymongo-latest/bin/python` and Tests/Interop/mongo_interop.py.
    let python: String
    let script: String
    /// The failover measured does not depend on the peergrouper, so its passes come every second
    /// to get the three voters sooner than with Juju's minute.
    static let peergrouperIntervalMillis = 1_000

    func measure(runs: Int, electionTimeoutMillis: Int?, heartbeatIntervalMillis: Int?, addressBase: Int) throws -> [Double] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-bench-legacy-\(getpid())-\(addressBase)").path
        let port = try Int(freePort())
        let env = try LiveLegacyEnvironment.bootstrap(directory: directory, name: "bench", agentVersion: "1.20.14", port: port,
                                                      addressBase: addressBase, electionTimeoutMillis: electionTimeoutMillis,
                                                      heartbeatIntervalMillis: heartbeatIntervalMillis,
                                                      peergrouperIntervalMillis: Self.peergrouperIntervalMillis, executable: quorum.path)
        defer { env.destroy() }
        _ = try env.ensureAvailability(["-n", "3"])
        // The agents' peergrouper gives the new state servers their votes.
        _ = try env.wait(until: .settled, timeout: 120)
        var times: [Double] = []
        for _ in 0..<runs {
            let primary = try env.primary(timeout: 60)
            guard let machine = env.machines.first(where: { env.address(of: $0.id) == primary }), let pid = env.pid(of: machine.id) else {
                throw LiveError("no primary to kill")
            }
            let seed = env.machines.first { $0.id != machine.id }.map { env.address(of: $0.id) } ?? primary
            let reply = try runPython(["failover", seed, String(pid)])
            guard let seconds = reply["seconds"] as? Double else { throw LiveError("failover run failed: \(reply)") }
            times.append(seconds)
            Supervisor.kill(pids: [pid])
            try env.start(machine.id)
            _ = try runPython(["secondary", seed, primary])
        }
        return times
    }

    private func runPython(_ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? ["error": String(decoding: data, as: UTF8.self)]
    }
}

/// The legacy failover figures: Mongo's default timings, then 1 s election timeout and 200 ms heartbeats.
func legacyFailoverFigures(into figures: inout [Figure], binary: URL) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let python = root.appendingPathComponent(".venv/pymongo-latest/bin/python").path
    let script = root.appendingPathComponent("Tests/Interop/mongo_interop.py").path
    guard FileManager.default.isExecutableFile(atPath: binary.path), FileManager.default.isExecutableFile(atPath: python) else {
        figures.append(Figure(name: "live legacy failover", value: "not measured", unit: "",
                              target: "needs the quorum product and .venv/pymongo-latest (scripts/pymongo-venvs.sh)"))
        return
    }
    let bench = LegacyFailoverBench(quorum: binary, python: python, script: script)
    for (label, election, heartbeat, target, base) in [("Mongo defaults", Int?.none, Int?.none, "≤ 12", 160),
                                                        ("--election-timeout 1s --heartbeat 200ms", 1_000, 200, "≤ 1.5", 170)] {
        do {
            let times = try bench.measure(runs: 5, electionTimeoutMillis: election, heartbeatIntervalMillis: heartbeat, addressBase: base).sorted()
            figures.append(Figure(name: "live legacy failover (\(label)): SIGKILL of the primary → pymongo write succeeds, median of 5",
                                  value: String(format: "%.2f", times[times.count / 2]), unit: "s", target: target))
            figures.append(Figure(name: "  the 5 runs", value: times.map { String(format: "%.2f", $0) }.joined(separator: " "), unit: "s", target: ""))
        } catch {
            figures.append(Figure(name: "live legacy failover (\(label))", value: "not measured", unit: "", target: "\(error)"))
        }
    }
}
