import Backups
import BSON
import Foundation
import GRDB
import HACore
import RaftCluster

/// A modern (format 2) environment: the controller model's machines (the first three are
/// controllers with Dqlite nodes), applications and units, their statuses, config, the
/// singular-controller lease, and agent log lines filling the rest.
struct ModernFixture {
    let spec: FixtureSpec
    var world: FixtureWorld

    init(spec: FixtureSpec) {
        self.spec = spec
        world = FixtureWorld(spec: spec)
    }

    mutating func write(to path: String) throws -> FixtureGenerator.Summary {
        let pivot = try Pivot(near: path)
        defer { pivot.remove() }
        var rows = 0
        let spec = self.spec
        let world = self.world
        try pivot.access { db in
            try db.execute(sql: "BEGIN")
            var statements: [String: BulkStatement] = [:]
            func insert(_ table: String, _ pairs: [(String, SQLValue)]) throws {
                let sql = "INSERT INTO \"\(table)\" (\(pairs.map { "\"\($0.0)\"" }.joined(separator: ", "))) VALUES (\(pairs.map { _ in "?" }.joined(separator: ", ")))"
                let statement = try statements[sql] ?? BulkStatement(db, sql)
                statements[sql] = statement
                try statement.run(db, pairs.map(\.1))
                rows += 1
            }
            let uuid = world.uuid
            let time = { (offset: Int64) in SQLValue.iso8601(Self.iso(world.started / 1000 + offset)) }
            try insert("namespace_list", [("namespace", .text(uuid))])
            try insert("model", [("uuid", .text(uuid)), ("activated", .boolean(true)), ("name", .text("controller")), ("qualifier", .text("admin")),
                                 ("model_type_id", .integer(0)), ("life_id", .integer(0)), ("cloud_name", .text("dummy")),
                                 ("cloud_region_name", .text("dummy-region")), ("agent_version", .text("4.0.0"))])
            try insert("model_namespace", [("namespace", .text(uuid)), ("model_uuid", .text(uuid))])
            try insert("controller", [("uuid", .text(derivedUUID("controller", uuid))), ("model_uuid", .text(uuid)), ("target_version", .text("4.0.0")),
                                      ("api_port", .text("17070")), ("cert", .text("-----BEGIN CERTIFICATE-----\n\(uuid)\n-----END CERTIFICATE-----\n")),
                                      ("ca_cert", .null), ("private_key", .null), ("ca_private_key", .null), ("system_identity", .null)])
            for (key, value) in [("api-port", "17070"), ("audit-log-max-size", "300M"), ("controller-name", "quorum")] {
                try insert("controller_config", [("key", .text(key)), ("value", .text(value))])
            }
            let controllers = world.stateServers(spec.machines)
            for id in controllers {
                let n = Int(id)!
                try insert("controller_node", [("controller_id", .text(id)), ("dqlite_node_id", .text(String(3_297_041_220_608_546_238 &+ UInt64(n)))),
                                               ("dqlite_bind_address", .text("10.0.0.\(n + 2)")), ("life_id", .integer(0))])
            }
            for id in controllers {
                let n = Int(id)!
                try insert("controller_api_address", [("controller_id", .text(id)), ("address", .text("10.0.0.\(n + 2):17070")),
                                                      ("is_agent", .boolean(true)), ("scope", .text("local-cloud"))])
            }
            for machine in 0..<spec.machines {
                let machineUUID = derivedUUID("machine", "\(uuid):\(machine)")
                try insert("machine", [("uuid", .text(machineUUID)), ("model_uuid", .text(uuid)), ("name", .text(String(machine))),
                                       ("life_id", .integer(0)), ("instance_id", .text("juju-\(uuid.prefix(6))-\(machine)")),
                                       ("hostname", .text("juju-\(uuid.prefix(6))-\(machine)")), ("nonce", .null),
                                       ("is_controller", .boolean(machine < controllers.count)), ("agent_started_at", time(Int64(machine) * 1000))])
                try insert("machine_status", [("machine_uuid", .text(machineUUID)), ("status_id", .integer(machine % 17 == 5 ? 2 : 1)), ("message", .text(""))])
            }
            for (i, service) in world.services.enumerated() {
                try insert("application", [("uuid", .text(derivedUUID("application", "\(uuid):\(service)"))), ("model_uuid", .text(uuid)),
                                           ("name", .text(service)), ("life_id", .integer(0)), ("charm_url", .text("ch:amd64/\(service)-\(i + 1)")),
                                           ("series", .text("jammy")), ("subordinate", .boolean(false)), ("exposed", .boolean(i % 2 == 0))])
                try insert("application_config", [("application_uuid", .text(derivedUUID("application", "\(uuid):\(service)"))),
                                                  ("key", .text("tuning")), ("value", .text(["safest", "optimized"][i % 2]))])
            }
            for unit in 0..<spec.units {
                let name = world.unitName(unit)
                let unitUUID = derivedUUID("unit", "\(uuid):\(name)")
                try insert("unit", [("uuid", .text(unitUUID)), ("model_uuid", .text(uuid)), ("name", .text(name)),
                                    ("application_uuid", .text(derivedUUID("application", "\(uuid):\(world.serviceOf(unit: unit))"))),
                                    ("machine_name", .text(world.machineOf(unit: unit, machines: spec.machines))), ("life_id", .integer(0)),
                                    ("charm_url", .null), ("series", .text("jammy")), ("principal", .null)])
                try insert("unit_status", [("unit_uuid", .text(unitUUID)), ("status", .text(unit % 11 == 3 ? "error" : "active")), ("message", .text(""))])
            }
            try insert("lease", [("uuid", .text(derivedUUID("lease", uuid))), ("lease_type_id", .integer(0)), ("model_uuid", .text(uuid)),
                                 ("name", .text(uuid)), ("holder", .text("machine-0")), ("start", time(0)), ("expiry", time(60_000))])
            var random = world.random
            let filler = max(0, spec.documents - rows)
            for i in 0..<filler {
                try insert("log_line", [("id", .integer(Int64(i + 1))), ("model_uuid", .text(uuid)),
                                        ("entity", .text("machine-\(random.below(spec.machines))")),
                                        ("module", .text(FixtureGenerator.modules[random.below(FixtureGenerator.modules.count)])),
                                        ("location", .text("worker.go:\(100 + random.below(900))")), ("level", .integer(Int64(2 + random.below(4)))),
                                        ("message", .text("\(FixtureGenerator.messages[random.below(FixtureGenerator.messages.count)]) (\(i))")),
                                        ("created_at", .text(Self.iso(world.started / 1000 + Int64(i) * 10)))])
            }
            try db.execute(sql: "COMMIT")
        }
        var metadata = ModernBackupMetadata(started: world.started, modelUUID: world.uuid, machine: "0", hostname: "juju-\(world.uuid.prefix(6))-0",
                                            version: "4.0.0", base: "ubuntu@22.04", controllerUUID: derivedUUID("controller", world.uuid),
                                            haNodes: world.stateServers(spec.machines).count, controllerMachineID: "0",
                                            controllerMachineInstanceID: "juju-\(world.uuid.prefix(6))-0")
        metadata.notes = "fixture seed \(spec.seed)"
        var sidecar = LegacySidecar()
        sidecar.modernMetadata = Array(metadata.json.utf8)
        let tar = ArchiveWriter(inMemory: .none, modificationTime: world.started / 1_000_000)
        for directory in ["var", "var/lib", "var/lib/juju", "var/lib/juju/agents", "var/lib/juju/agents/controller-0"] { try tar.addDirectory(directory) }
        try tar.addFile("var/lib/juju/agents/controller-0/agent.conf", bytes: Array("# format 2.0\ntag: controller-0\ncontroller: controller-\(world.uuid)\n".utf8))
        sidecar.rootTar = try tar.finish()
        try pivot.access { db in
            try ModernOutput(pivot: pivot, db: db, sidecar: sidecar, environmentUUID: world.uuid, agentVersion: "4.0.0", targetVersion: "4.0.0")
                .write(to: pivot.scratch("fixture.tar.gz"))
        }
        try BackupMigration.publish(pivot.scratch("fixture.tar.gz"), as: path)
        return FixtureGenerator.Summary(documents: rows, bytes: 0)
    }

    /// Milliseconds since the epoch as ISO-8601 with milliseconds, `2015-06-01T12:00:00.000Z`.
    static func iso(_ milliseconds: Int64) -> String {
        let civil = CivilTime(unixMicroseconds: milliseconds * 1000)
        return civil.dateTime(separator: "T") + civil.milliseconds + "Z"
    }
}
