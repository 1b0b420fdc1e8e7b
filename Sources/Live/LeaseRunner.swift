import Foundation
import HACore
import ModernJuju
import RaftCluster

/// Runs the singular-controller lease worker (`ModernJuju.SingularLeaseWorker`) of one
/// controller against the real controller database: the worker's statements go to the Dqlite
/// leader, their outcomes come back to it, and it decides whether this controller runs the
/// singular workers. Times are the real clock.
final class LeaseRunner {
    private var worker: SingularLeaseWorker
    private let client: () -> DqliteClient
    private let start = monotonicSeconds()
    var log: (String) -> Void = { _ in }

    init(holder: String, modelUUID: String, controllerUUID: String, nodeID: UInt64, client: @escaping () -> DqliteClient) {
        let epoch = Int64(Date().timeIntervalSince1970 * 1_000_000)
        worker = SingularLeaseWorker(holder: holder, modelUUID: modelUUID, leaseName: controllerUUID,
                                     settings: SingularLeaseSettings(epochUnixMicros: epoch), rng: SplitMix64(seed: nodeID ^ UInt64(epoch)))
        self.client = client
    }

    var now: Instant { Instant(microseconds: Int64((monotonicSeconds() - start) * 1_000_000)) }

    var holdsLease: Bool { worker.runsSingularWorkers }

    /// One tick: the worker's directives, run in order, each outcome fed back.
    func tick() {
        var pending = worker.onTick(now: now)
        var guardCount = 0
        while !pending.isEmpty, guardCount < 16 {
            guardCount += 1
            let directive = pending.removeFirst()
            pending += run(directive)
        }
    }

    func stop() {
        for case .setFlag(let on) in worker.onStop() { log(on ? "this controller now runs the singular workers" : "singular workers stopped") }
    }

    private func exec(_ statement: SQLStatement) throws -> UInt64 {
        try client().withLeader(timeout: 3, database: JujuDqlite.controllerNamespace) { c in
            try c.exec(statement.sql, statement.parameters).rowsAffected
        }
    }

    private func run(_ directive: LeaseDirective) -> [LeaseDirective] {
        switch directive {
        case .expireLeases(let statement):
            _ = try? exec(statement)
            return []
        case .claim(let statement):
            do {
                _ = try exec(statement)
                return worker.onClaimResult(.claimed, now: now)
            } catch DqliteError.failure(let code, let message) where code == 2067 || message.contains("UNIQUE") {
                return worker.onClaimResult(.held, now: now)
            } catch {
                return worker.onRequestFailed(now: now)
            }
        case .extend(let statement):
            do {
                return worker.onExtendResult(rowsAffected: Int(try exec(statement)), now: now)
            } catch {
                return worker.onRequestFailed(now: now)
            }
        case .setFlag(let on):
            log(on ? "singular-controller lease held: this controller now runs the singular workers"
                   : "singular-controller lease lost; stopping singular workers")
            return []
        }
    }
}
