import HACore
import RaftCluster

/// `lease_type` rows (spec §6.4): the id is what `lease.lease_type_id` holds.
public enum LeaseType: Int64, Codable, Sendable, CaseIterable {
    case singularController = 0
    case applicationLeadership = 1

    /// `lease_type.type`.
    public var name: String {
        switch self {
        case .singularController: return "singular-controller"
        case .applicationLeadership: return "application-leadership"
        }
    }
}

/// `lease.Key`: (namespace, model, lease name), unique in the `lease` table.
public struct LeaseKey: Hashable, Codable, Sendable {
    public var type: LeaseType
    public var modelUUID: String
    public var name: String

    public init(type: LeaseType, modelUUID: String, name: String) {
        self.type = type
        self.modelUUID = modelUUID
        self.name = name
    }
}

/// Turns the simulator's `Instant`s into the timestamps the lease table stores. The model has
/// no wall clock: `epochUnixMicros` is the wall time at `Instant.zero`, given by the runtime.
/// The text is SQLite's `datetime()` form (`YYYY-MM-DD HH:MM:SS`, UTC, whole seconds — what
/// Juju's `datetime('now')` stores), so stored values compare as text exactly as Juju's do.
public struct LeaseClock: Hashable, Codable, Sendable {
    public var epochUnixMicros: Int64

    public init(epochUnixMicros: Int64) { self.epochUnixMicros = epochUnixMicros }

    /// `datetime(t)`: truncated to the second.
    public func timestamp(_ instant: Instant) -> String {
        CivilTime(unixMicroseconds: epochUnixMicros + instant.microseconds).dateTime()
    }

    /// The instant `timestamp` denotes: `instant` truncated to its wall-clock second.
    public func truncated(_ instant: Instant) -> Instant {
        let wall = epochUnixMicros + instant.microseconds
        var rest = wall % 1_000_000
        if rest < 0 { rest += 1_000_000 }
        return Instant(microseconds: instant.microseconds - rest)
    }

    /// `datetime('now', '+N seconds')` with N = ⌈duration⌉ seconds, as Juju rounds a lease duration.
    public func expiry(from now: Instant, duration: Interval) -> Instant {
        truncated(now) + LeaseClock.wholeSeconds(duration)
    }

    static func wholeSeconds(_ d: Interval) -> Interval {
        .seconds((d.microseconds + 999_999) / 1_000_000)
    }
}

/// The lease store's statements (`domain/lease/state/state.go`) with every time passed as an
/// ISO-8601 parameter instead of `datetime('now')`.
public enum LeaseStatements {
    /// `ClaimLease`: fails with a UNIQUE violation (`ErrHeld`) while any row — even an expired
    /// one not yet swept — exists for the key.
    public static func claim(uuid: String, key: LeaseKey, holder: String, start: String, expiry: String) -> SQLStatement {
        SQLStatement("""
            INSERT INTO lease (uuid, lease_type_id, model_uuid, name, holder, start, expiry)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(uuid), .integer(key.type.rawValue), .text(key.modelUUID), .text(key.name), .text(holder),
                  .iso8601(start), .iso8601(expiry)])
    }

    /// `ExtendLease`: zero rows affected means the holder no longer holds it (`ErrInvalid`).
    public static func extend(key: LeaseKey, holder: String, expiry: String) -> SQLStatement {
        SQLStatement("""
            UPDATE lease
            SET    expiry = ?
            WHERE  lease_type_id = ?
            AND    model_uuid = ?
            AND    name = ?
            AND    holder = ?
            """, [.iso8601(expiry), .integer(key.type.rawValue), .text(key.modelUUID), .text(key.name), .text(holder)])
    }

    /// `RevokeLease`: zero rows affected is `ErrInvalid`.
    public static func revoke(key: LeaseKey, holder: String) -> SQLStatement {
        SQLStatement("""
            DELETE FROM lease
            WHERE  lease_type_id = ?
            AND    model_uuid = ?
            AND    name = ?
            AND    holder = ?
            """, [.integer(key.type.rawValue), .text(key.modelUUID), .text(key.name), .text(holder)])
    }

    /// `ExpireLeases`: delete unpinned leases whose expiry has passed (busy errors are ignored
    /// by the caller; it runs on every controller).
    public static func expire(now: String) -> SQLStatement {
        SQLStatement("""
            DELETE FROM lease WHERE uuid IN (
                SELECT l.uuid
                FROM   lease l LEFT JOIN lease_pin p ON l.uuid = p.lease_uuid
                WHERE  p.uuid IS NULL
                AND    l.expiry < ?
            )
            """, [.iso8601(now)])
    }
}

/// Timing of the singular-controller lease (DESIGN §4).
public struct SingularLeaseSettings: Hashable, Codable, Sendable {
    /// Lease duration: 60 s.
    public var duration: Interval = .seconds(60)
    /// The flag worker re-claims every `duration / 2`: 30 s.
    public var renewInterval: Interval = .seconds(30)
    /// A controller that does not hold the lease tries again this often (Juju waits for the
    /// holder's lease to expire; the model polls instead).
    public var claimRetryInterval: Interval = .seconds(5)
    public var clock: LeaseClock

    public init(epochUnixMicros: Int64) { clock = LeaseClock(epochUnixMicros: epochUnixMicros) }
}

/// What a claim came back with.
public enum LeaseClaimOutcome: Hashable, Codable, Sendable {
    /// The row was inserted: this controller holds the lease.
    case claimed
    /// UNIQUE violation: somebody (possibly an expired, unswept row) holds it — `ErrHeld`.
    case held
}

/// What the singular lease worker asks its runtime to do.
public enum LeaseDirective: Hashable, Sendable {
    /// Run the expiry sweep (result ignored), before a claim.
    case expireLeases(SQLStatement)
    /// Run the INSERT; report `onClaimResult`.
    case claim(SQLStatement)
    /// Run the UPDATE; report `onExtendResult(rowsAffected:now:)`.
    case extend(SQLStatement)
    /// Start (true) or stop (false) this controller's singular workers.
    case setFlag(Bool)
}

/// The singular flag of one controller (juju `internal/worker/singular`, spec §6.4): claims
/// the singular-controller lease, keeps extending it every 30 s while it holds it, and raises
/// its flag — "run the singular workers here" — only while the lease is known to be held.
/// The flag drops as soon as an extension fails, the store errs, or the stored expiry passes
/// without a confirmed extension, so no two controllers ever both run singular workers: a
/// rival can only claim after sweeping the row, i.e. at least a second after that expiry.
public struct SingularLeaseWorker: Hashable, Codable, Sendable {
    public enum Phase: Hashable, Codable, Sendable {
        case idle
        case claiming(expiry: Instant)
        case holding(expiry: Instant, renewedAt: Instant)
        case extending(expiry: Instant, newExpiry: Instant, requestedAt: Instant)
        /// The claim found the row taken; an extension checks whether it is ours (the lease
        /// manager turns a holder's claim into an extension).
        case confirming(newExpiry: Instant, requestedAt: Instant)
    }

    public let holder: String
    public let key: LeaseKey
    public var settings: SingularLeaseSettings
    public private(set) var phase: Phase = .idle
    /// Whether this controller runs the singular workers now.
    public private(set) var runsSingularWorkers = false
    /// Not before this instant does an idle worker claim again.
    public private(set) var nextClaimAt: Instant = .zero
    var rng: SplitMix64

    /// `holder` is the claimant's id (the controller id, e.g. `0`), `modelUUID` the controller
    /// model's UUID, `leaseName` the entity the lease is for (the controller UUID); lease UUIDs
    /// come from `rng`.
    public init(holder: String, modelUUID: String, leaseName: String, settings: SingularLeaseSettings, rng: SplitMix64) {
        self.holder = holder
        key = LeaseKey(type: .singularController, modelUUID: modelUUID, name: leaseName)
        self.settings = settings
        self.rng = rng
    }

    /// The next instant at which a tick has something to do, for a runtime that schedules
    /// rather than polls.
    public var nextDeadline: Instant? {
        switch phase {
        case .idle: return nextClaimAt
        case .claiming(let expiry): return expiry
        case .holding(let expiry, let renewedAt): return min(expiry, renewedAt + settings.renewInterval)
        case .extending(let expiry, _, _): return expiry
        case .confirming(let newExpiry, _): return newExpiry
        }
    }

    /// A timer tick.
    public mutating func onTick(now: Instant) -> [LeaseDirective] {
        switch phase {
        case .idle:
            guard now >= nextClaimAt else { return [] }
            let clock = settings.clock
            let expiry = clock.expiry(from: now, duration: settings.duration)
            phase = .claiming(expiry: expiry)
            return [
                .expireLeases(LeaseStatements.expire(now: clock.timestamp(now))),
                .claim(LeaseStatements.claim(uuid: nextUUID(), key: key, holder: holder,
                                             start: clock.timestamp(now), expiry: clock.timestamp(expiry))),
            ]
        case .claiming(let expiry), .extending(let expiry, _, _), .confirming(let expiry, _):
            // Still waiting for the store; a held flag cannot outlive the stored expiry.
            if now >= expiry { return lowerFlag(now: now) }
            return []
        case .holding(let expiry, let renewedAt):
            if now >= expiry { return lowerFlag(now: now) }
            guard now >= renewedAt + settings.renewInterval else { return [] }
            let newExpiry = settings.clock.expiry(from: now, duration: settings.duration)
            phase = .extending(expiry: expiry, newExpiry: newExpiry, requestedAt: now)
            return [.extend(LeaseStatements.extend(key: key, holder: holder, expiry: settings.clock.timestamp(newExpiry)))]
        }
    }

    /// The claim's INSERT finished.
    public mutating func onClaimResult(_ outcome: LeaseClaimOutcome, now: Instant) -> [LeaseDirective] {
        guard case .claiming(let expiry) = phase else { return [] }
        switch outcome {
        case .claimed where now < expiry:
            phase = .holding(expiry: expiry, renewedAt: now)
            return raiseFlag()
        case .claimed:
            // The answer came back after the lease it created had already lapsed.
            phase = .idle
            nextClaimAt = now
            return []
        case .held:
            let newExpiry = settings.clock.expiry(from: now, duration: settings.duration)
            phase = .confirming(newExpiry: newExpiry, requestedAt: now)
            return [.extend(LeaseStatements.extend(key: key, holder: holder, expiry: settings.clock.timestamp(newExpiry)))]
        }
    }

    /// The extension's UPDATE finished; zero rows means the lease is no longer ours.
    public mutating func onExtendResult(rowsAffected: Int, now: Instant) -> [LeaseDirective] {
        switch phase {
        case .extending(_, let newExpiry, let requestedAt):
            if rowsAffected > 0 && now < newExpiry {
                phase = .holding(expiry: newExpiry, renewedAt: requestedAt)
                return []
            }
            // ErrInvalid (or an answer too late to trust): the flag worker refreshes.
            return lowerFlag(now: now, retryAt: now)
        case .confirming(let newExpiry, let requestedAt):
            if rowsAffected > 0 && now < newExpiry {
                phase = .holding(expiry: newExpiry, renewedAt: requestedAt)
                return raiseFlag()
            }
            // Somebody else holds it: wait and try again.
            return lowerFlag(now: now)
        case .idle, .claiming, .holding:
            return []
        }
    }

    /// The store failed (no quorum, connection lost): the flag worker dies, so the flag drops.
    public mutating func onRequestFailed(now: Instant) -> [LeaseDirective] {
        switch phase {
        case .idle: return []
        case .claiming, .confirming, .holding, .extending:
            return lowerFlag(now: now)
        }
    }

    /// The controller stops: singular workers stop with it.
    public mutating func onStop() -> [LeaseDirective] {
        phase = .idle
        guard runsSingularWorkers else { return [] }
        runsSingularWorkers = false
        return [.setFlag(false)]
    }

    private mutating func raiseFlag() -> [LeaseDirective] {
        guard !runsSingularWorkers else { return [] }
        runsSingularWorkers = true
        return [.setFlag(true)]
    }

    private mutating func lowerFlag(now: Instant, retryAt: Instant? = nil) -> [LeaseDirective] {
        phase = .idle
        nextClaimAt = retryAt ?? now + settings.claimRetryInterval
        guard runsSingularWorkers else { return [] }
        runsSingularWorkers = false
        return [.setFlag(false)]
    }

    /// A version-4 UUID from the worker's generator.
    private mutating func nextUUID() -> String {
        var bytes: [UInt8] = []
        for _ in 0..<2 {
            let word = rng.next()
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        bytes[6] = bytes[6] & 0x0f | 0x40
        bytes[8] = bytes[8] & 0x3f | 0x80
        let hex = bytes.map { b -> String in let s = String(b, radix: 16); return s.count == 1 ? "0" + s : s }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }
}
