import DqliteStore
import HACore
import RaftCluster

/// What `create-backup` read from the Dqlite leader: every table of the controller database
/// in the order the schema created them, and where and when it was read.
public struct ControllerDump: Sendable, Equatable {
    public var tables: [TableExport]
    public var origin: MachineID
    /// Simulated wall-clock microseconds since the Unix epoch.
    public var started: Int64
    public var controllers: [MachineID]
}

/// What a modern restore writes into a freshly bootstrapped controller.
public struct ModernRestoreInput: Codable, Sendable, Equatable {
    public var tables: [TableExport]

    public init(tables: [TableExport]) { self.tables = tables }
}

extension World {
    /// SQLite's and GRDB's own tables are not the controller's data.
    static func isControllerTable(_ name: String) -> Bool {
        !name.hasPrefix("sqlite_") && name != "grdb_migrations"
    }

    /// Juju 4's backup facade: reads the controller database through the Dqlite leader.
    mutating func createModernBackup(trace: inout Trace) -> InputOutcome {
        let client = World.apiClient
        let origin = controllers.first { machine($0)?.isRunning == true && agentAlive($0) } ?? 0
        guard let addresses = dqliteNode(on: origin)?.clusterStore,
              let leader = findDqliteLeader(from: client, addresses: addresses, trace: &trace) else {
            return .failed("cannot create backup: no available dqlite leader server found", hints: dqliteQuorumHints)
        }
        let started = wallMicros
        let list = SQLStatement("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
        guard case let .rows(_, names)? = callDqlite(from: client, to: leader, .querySQL(list), trace: &trace) else {
            return .failed("cannot create backup: reading the controller database failed", hints: dqliteQuorumHints)
        }
        var tables: [TableExport] = []
        for case .text(let name) in names.compactMap(\.first) where Self.isControllerTable(name) {
            let select = SQLStatement("SELECT * FROM \"\(name)\" ORDER BY rowid")
            guard case let .rows(columns, rows)? = callDqlite(from: client, to: leader, .querySQL(select), trace: &trace) else {
                return .failed("cannot create backup: reading table \(name) failed", hints: dqliteQuorumHints)
            }
            tables.append(TableExport(name: name, columns: columns, rows: rows))
        }
        return .controllerBackup(ControllerDump(tables: tables, origin: origin, started: started, controllers: controllers))
    }

    /// Restores a controller database into this freshly bootstrapped controller: every table is
    /// emptied (children first) and refilled (parents first) through the leader, keeping only
    /// this controller's own node and machine rows, as the restored controller is a single one.
    mutating func restoreModern(_ input: ModernRestoreInput, trace: inout Trace) -> InputOutcome {
        guard let leader = dqliteLeaderMachine else { return .failed("no available dqlite leader server found", hints: []) }
        let client = World.apiClient
        for table in input.tables.reversed() {
            guard case .result? = callDqlite(from: client, to: leader, .execSQL(SQLStatement("DELETE FROM \"\(table.name)\"")), trace: &trace) else {
                return .failed("restore failed: cannot empty table \(table.name)", hints: [])
            }
        }
        for table in input.tables {
            let parameterMarks = Array(repeating: "?", count: table.columns.count).joined(separator: ", ")
            let columns = table.columns.map { "\"\($0)\"" }.joined(separator: ", ")
            for row in table.rows where Self.keepsOnRestore(table: table, row: row) {
                let insert = SQLStatement("INSERT INTO \"\(table.name)\" (\(columns)) VALUES (\(parameterMarks))", row)
                guard case .result? = callDqlite(from: client, to: leader, .execSQL(insert), trace: &trace) else {
                    return .failed("restore failed: cannot write a row of \(table.name)", hints: [])
                }
            }
        }
        // This controller's node, as dbaccessor records it.
        recordControllerNode(0, leader: leader, trace: &trace)
        _ = callDqlite(from: client, to: leader, .execSQL(machineRow(0)), trace: &trace)
        adoptRestoredMachines(input, trace: &trace)
        return .done
    }

    /// The restored `machine` rows that are not controllers (a migrated legacy environment's
    /// unit-hosting machines) are running instances whose agents restart against the new
    /// controller, as after a legacy restore; new machine numbers continue after theirs.
    private mutating func adoptRestoredMachines(_ input: ModernRestoreInput, trace: inout Trace) {
        guard let table = input.tables.first(where: { $0.name == "machine" }),
              let name = table.columns.firstIndex(of: "name"), let controller = table.columns.firstIndex(of: "is_controller") else { return }
        let instance = table.columns.firstIndex(of: "instance_id")
        for row in table.rows {
            guard case .text(let text) = row[name], let id = MachineID(parsing: text),
                  row[controller] == .boolean(false), id != 0, machine(id) == nil else { continue }
            // The old controllers' rows are not restored, so their numbers are free again.
            nextMachineNumber = max(nextMachineNumber, Int(text).map { $0 + 1 } ?? 0)
            var restored = Machine(id: id, jobs: [.hostUnits], series: config.series)
            restored.apiServers = controllers
            machines.append(restored)
            machines.sort { $0.id < $1.id }
            var instanceID = instanceID(for: id)
            if let instance, case .text(let value) = row[instance], !value.isEmpty { instanceID = value }
            update(id, trace: &trace) { $0.onProvisioningStarted(instanceID: instanceID, delay: .seconds(5)) }
            trace.append(at: now, seq: eventCount, "\(id.tag) agent restarted with the restored controller's addresses")
        }
        for i in machines.indices { machines[i].onAPIServersChanged(controllers) }
    }

    /// Rows of the backed-up controllers other than machine 0, and leases (they belonged to
    /// processes that are gone), stay behind.
    static func keepsOnRestore(table: TableExport, row: [SQLValue]) -> Bool {
        func column(_ name: String) -> SQLValue? { table.columns.firstIndex(of: name).map { row[$0] } }
        switch table.name {
        case "controller_node", "controller_api_address":
            return column("controller_id") == .text("0")
        case "machine":
            // Machine 0 is the new instance; its row is written afresh.
            return column("is_controller") == .boolean(false)
        case "lease", "lease_pin":
            return false
        default:
            return true
        }
    }
}
