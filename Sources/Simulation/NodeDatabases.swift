import DqliteStore
import Foundation
import HACore
import RaftCluster

/// Each Dqlite node's SQLite database. Its contents are a function of the node's log up to its
/// applied index, so the world keeps only the log (which is saved with it) and builds the
/// databases when something reads them: a cache, shared by copies of the world, that checks the
/// log it was built from before reusing a database.
final class NodeDatabaseCache: @unchecked Sendable {
    private struct Entry {
        let database: NodeDatabase
        var applied: LogIndex
        /// The term of the entry at `applied`, to notice a log that is not the one applied.
        var appliedTerm: RaftTerm
    }

    /// Shared by every world of the process, keyed by environment and node.
    static let shared = NodeDatabaseCache()

    private var entries: [String: Entry] = [:]
    private let lock = NSLock()

    /// The database of a node whose log is `log`, with every committed command up to
    /// `applied` executed in order.
    func database(environment: String, node: UInt64, log: RaftLog, applied: LogIndex) throws -> NodeDatabase {
        let key = "\(environment)/\(node)"
        // The entry leaves the cache while statements run on it, outside the lock: worlds on
        // other threads (a sweep's workers) do not wait, and a concurrent reader of the same
        // node builds a database of its own rather than applying statements twice to this one.
        lock.lock()
        let taken = entries.removeValue(forKey: key)
        lock.unlock()
        var entry: Entry
        if let cached = taken, cached.applied <= applied,
           cached.applied == 0 || log.entries.indices.contains(Int(cached.applied) - 1) && log.entries[Int(cached.applied) - 1].term == cached.appliedTerm {
            entry = cached
        } else {
            entry = Entry(database: try NodeDatabase(), applied: 0, appliedTerm: 0)
        }
        for logEntry in log.entries.dropFirst(Int(entry.applied)).prefix(Int(applied - entry.applied)) {
            // A statement that fails fails on every node alike: it changes nothing anywhere.
            if case .command(let statement) = logEntry.payload { _ = try? entry.database.apply(statement) }
            entry.applied = logEntry.index
            entry.appliedTerm = logEntry.term
        }
        lock.lock()
        entries[key] = entry
        lock.unlock()
        return entry.database
    }

    /// Drops every database of an environment (a seed sweep's world that is done), so that a
    /// long sweep does not keep thousands of them.
    func forget(environment: String) {
        let prefix = "\(environment)/"
        lock.lock()
        defer { lock.unlock() }
        entries = entries.filter { !$0.key.hasPrefix(prefix) }
    }
}

extension World {
    /// Dqlite runs an EXEC on the leader before replicating it: a statement SQLite refuses is
    /// answered with SQLite's error and never enters the log. The trial runs on the leader's
    /// newest state (every entry it has appended); what it reports is what RESULT carries.
    func trialExec(_ statement: SQLStatement, on id: MachineID) -> Result<(Int64, Int64), SQLFailure> {
        guard let hosted = dqliteNode(on: id), let node = hosted.node else {
            return .failure(SQLFailure(code: SQLFailure.error, message: "no such node database"))
        }
        do {
            let database = try NodeDatabaseCache.shared.database(environment: environmentUUID + "/head", node: hosted.nodeID,
                                                                 log: node.log, applied: node.lastLogIndex)
            return .success(try database.trial(statement))
        } catch let failure as SQLFailure {
            return .failure(failure)
        } catch {
            return .failure(SQLFailure(error))
        }
    }

    /// QUERY_SQL on a node's database, as it stands after everything the node applied.
    func runQuery(_ statement: SQLStatement, on id: MachineID) -> DqliteAnswer {
        guard let hosted = dqliteNode(on: id), let durable = hosted.durable else {
            return .reply(.failure(SQLFailure(code: SQLFailure.error, message: "no such node database").dqliteFailure))
        }
        do {
            let database = try NodeDatabaseCache.shared.database(environment: environmentUUID, node: hosted.nodeID, log: durable.log, applied: durable.lastApplied)
            let result = try database.query(statement)
            return .rows(columns: result.columns, rows: result.rows)
        } catch {
            return .reply(.failure(SQLFailure(error).dqliteFailure))
        }
    }
}
