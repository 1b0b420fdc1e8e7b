import Foundation
import Live

/// DESIGN §7 "live failover, modern": a live 3-controller environment (real agent processes,
/// real libdqlite nodes with Dqlite's default timings); SIGKILL of the Dqlite leader, then the
/// time until some other node answers LEADER naming a new leader. The killed agent is
/// restarted and the cluster settles before the next run.
struct LiveFailoverBench {
    let quorum: URL

    func measure(runs: Int) throws -> [Double] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-bench-live-\(getpid())").path
        let port = try Int(freePort())
        let env = try LiveEnvironment.bootstrap(directory: directory, name: "bench", agentVersion: "4.0.0", port: port,
                                                addressBase: 200, rolesInterval: 1, executable: quorum.path)
        defer { env.destroy() }
        _ = try env.enableHA([])
        _ = try env.wait(until: .settled, timeout: 60)
        var times: [Double] = []
        for _ in 0..<runs {
            let view = env.clusterView()
            guard let leader = view.leader, let machine = env.activeMachines.first(where: { $0.nodeID == leader.id }),
                  let pid = env.pid(of: machine.id) else { throw LiveError("no leader to kill") }
            let survivors = env.activeMachines.filter { $0.id != machine.id }.map(env.address(of:))
            let client = DqliteClient(addresses: survivors, dialTimeout: 1)
            let start = monotonicSeconds()
            kill(pid, SIGKILL)
            var elapsed: Double?
            while monotonicSeconds() - start < 30 {
                if let next = client.findLeader(), next.id != leader.id {
                    elapsed = monotonicSeconds() - start
                    break
                }
                usleep(20_000)
            }
            guard let elapsed else { throw LiveError("no new leader within 30s") }
            times.append(elapsed)
            Supervisor.kill(pids: [pid])
            try env.start(machine.id)
            _ = try env.wait(until: .settled, timeout: 60)
            try waitUntilEveryNodeFollows(env)
        }
        return times
    }

    /// Each run starts from a whole cluster: every node, the restarted one too, answers LEADER
    /// naming the same leader (settled alone only says the configuration is right).
    private func waitUntilEveryNodeFollows(_ env: LiveEnvironment) throws {
        let start = monotonicSeconds()
        while monotonicSeconds() - start < 60 {
            let answers = env.activeMachines.map { machine -> UInt64? in
                guard let connection = try? DqliteConnection(address: env.address(of: machine), timeout: 1) else { return nil }
                defer { connection.close() }
                return (try? connection.leader()).map(\.id)
            }
            if let first = answers.first, let leader = first, leader != 0, answers.allSatisfy({ $0 == leader }) { return }
            usleep(100_000)
        }
        throw LiveError("the cluster did not agree on a leader within 60s")
    }
}
