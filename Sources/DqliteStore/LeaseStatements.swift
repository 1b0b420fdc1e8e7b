import HACore
import RaftCluster

/// The `lease_type` rows (migration 0002).
public enum LeaseType: String, Codable, Sendable, Hashable, CaseIterable {
    /// The controller running the singular controller and model workers.
    case singularController = "singular-controller"
    /// The unit leading an application.
    case applicationLeadership = "application-leadership"
}

/// The lease store's statements, as Juju's `domain/lease/state/state.go` writes them (spec
/// modern-juju-dqlite.md §6.4), with one change: where Juju reads SQLite's clock
/// (`datetime('now')`, `datetime('now', '+N seconds')`), these take the simulated clock's
/// reading `now` as a parameter, so every node computes the same times. `now` is ISO-8601 text,
/// e.g. `2026-01-01T00:00:00.000Z` (`SQLTimestamp.iso8601`); stored times are normalised with
/// `strftime('%Y-%m-%dT%H:%M:%fZ', …)`, one fixed-width form in which text order is time order.
///
/// How a caller reads the outcome, as Juju does:
/// - `claim`: UNIQUE failure (2067) → the lease is held (`lease.ErrHeld`).
/// - `extend`, `revoke`: 0 rows affected → no such lease with that holder (`lease.ErrInvalid`).
/// - `expire`: rows affected = leases expired (runs on every controller).
public enum LeaseStatements {
    /// The stored form of a time.
    public static let timeFormat = "%Y-%m-%dT%H:%M:%fZ"

    /// Claims a lease that nobody holds, from `now` for `duration`.
    public static func claim(uuid: String, modelUUID: String, name: String, holder: String, now: String,
                             duration: Interval, type: LeaseType = .singularController) -> SQLStatement {
        SQLStatement("""
            INSERT INTO lease (uuid, lease_type_id, model_uuid, name, holder, start, expiry)
            SELECT ?, id, ?, ?, ?, strftime('\(timeFormat)', ?), strftime('\(timeFormat)', ?, ?)
            FROM   lease_type
            WHERE  type = ?;
            """, [.text(uuid), .text(modelUUID), .text(name), .text(holder),
                  .iso8601(now), .iso8601(now), .text(modifier(duration)), .text(type.rawValue)])
    }

    /// Makes a lease that `holder` holds expire `duration` after `now`.
    public static func extend(modelUUID: String, name: String, holder: String, now: String,
                              duration: Interval, type: LeaseType = .singularController) -> SQLStatement {
        SQLStatement("""
            UPDATE lease
            SET    expiry = strftime('\(timeFormat)', ?, ?)
            WHERE  uuid = (
                SELECT l.uuid
                FROM   lease l JOIN lease_type t ON l.lease_type_id = t.id
                WHERE  t.type = ?
                AND    l.model_uuid = ?
                AND    l.name = ?
                AND    l.holder = ?
            );
            """, [.iso8601(now), .text(modifier(duration)),
                  .text(type.rawValue), .text(modelUUID), .text(name), .text(holder)])
    }

    /// Gives up a lease that `holder` holds.
    public static func revoke(modelUUID: String, name: String, holder: String,
                              type: LeaseType = .singularController) -> SQLStatement {
        SQLStatement("""
            DELETE FROM lease
            WHERE  uuid = (
                SELECT l.uuid
                FROM   lease l JOIN lease_type t ON l.lease_type_id = t.id
                WHERE  t.type = ?
                AND    l.model_uuid = ?
                AND    l.name = ?
                AND    l.holder = ?
            );
            """, [.text(type.rawValue), .text(modelUUID), .text(name), .text(holder)])
    }

    /// Deletes every lease that expired before `now` and is not pinned.
    public static func expire(now: String) -> SQLStatement {
        SQLStatement("""
            DELETE FROM lease WHERE uuid IN (
                SELECT l.uuid
                FROM   lease l LEFT JOIN lease_pin p ON l.uuid = p.lease_uuid
                WHERE  p.uuid IS NULL
                AND    l.expiry < strftime('\(timeFormat)', ?)
            );
            """, [.iso8601(now)])
    }

    /// Pins a lease for `entity`, so that it does not expire; pinning twice is not an error
    /// (Juju ignores the UNIQUE failure).
    public static func pin(uuid: String, modelUUID: String, name: String, entity: String,
                           type: LeaseType = .singularController) -> SQLStatement {
        SQLStatement("""
            INSERT INTO lease_pin (uuid, lease_uuid, entity_id)
            SELECT ?, l.uuid, ?
            FROM   lease l JOIN lease_type t ON l.lease_type_id = t.id
            WHERE  t.type = ?
            AND    l.model_uuid = ?
            AND    l.name = ?
            ON CONFLICT DO NOTHING;
            """, [.text(uuid), .text(entity), .text(type.rawValue), .text(modelUUID), .text(name)])
    }

    /// Removes `entity`'s pin of a lease.
    public static func unpin(modelUUID: String, name: String, entity: String,
                             type: LeaseType = .singularController) -> SQLStatement {
        SQLStatement("""
            DELETE FROM lease_pin
            WHERE  uuid = (
                SELECT p.uuid
                FROM   lease_pin p
                       JOIN lease l ON l.uuid = p.lease_uuid
                       JOIN lease_type t ON l.lease_type_id = t.id
                WHERE  t.type = ?
                AND    l.model_uuid = ?
                AND    l.name = ?
                AND    p.entity_id = ?
            );
            """, [.text(type.rawValue), .text(modelUUID), .text(name), .text(entity)])
    }

    /// The leases of one type and model (Juju's `LeaseGroup`), ordered by name: columns `type`,
    /// `model_uuid`, `name`, `holder`, `expiry`.
    public static func leases(type: LeaseType = .singularController, modelUUID: String) -> SQLStatement {
        SQLStatement("""
            SELECT t.type, l.model_uuid, l.name, l.holder, l.expiry
            FROM   lease l JOIN lease_type t ON l.lease_type_id = t.id
            WHERE  t.type = ?
            AND    l.model_uuid = ?
            ORDER BY l.name;
            """, [.text(type.rawValue), .text(modelUUID)])
    }

    /// Juju's duration modifier: `+N seconds`, N the duration rounded up to whole seconds.
    public static func modifier(_ duration: Interval) -> String {
        let (seconds, rest) = duration.microseconds.quotientAndRemainder(dividingBy: 1_000_000)
        return "+\(rest > 0 ? seconds + 1 : seconds) seconds"
    }
}

/// Times as the controller database stores them.
public enum SQLTimestamp {
    /// `2026-01-01T00:00:00.000Z`: UTC, milliseconds (truncated), the form
    /// `strftime('%Y-%m-%dT%H:%M:%fZ', …)` produces.
    public static func iso8601(unixMicroseconds: Int64) -> String {
        let civil = CivilTime(unixMicroseconds: unixMicroseconds)
        return civil.dateTime(separator: "T") + civil.milliseconds + "Z"
    }
}
