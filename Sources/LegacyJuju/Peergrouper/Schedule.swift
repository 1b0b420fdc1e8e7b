import HACore

extension Peergrouper {
    /// The worker loop's timer (§3.1) as decisions: the caller owns the clock and arms one
    /// timer with whatever a decision says.
    public struct Schedule: Sendable, Equatable, Codable {
        /// `pollInterval`: passes repeat even without changes, because member health and state
        /// (which decide who is ready for a vote) are not watched.
        public static let pollInterval: Interval = .minutes(1)
        /// `initialRetryInterval`: the first wait after a failed pass.
        public static let initialRetryInterval: Interval = .seconds(2)
        /// `maxRetryInterval`: the back-off stops doubling here.
        public static let maxRetryInterval: Interval = .minutes(5)

        /// The wait the next failure will use.
        public private(set) var retryInterval: Interval = Schedule.initialRetryInterval

        public init() {}

        /// What to do with the timer.
        public enum Decision: Sendable, Equatable {
            /// (Re)arm the timer: the next pass runs after this long.
            case runAfter(Interval)
            /// Leave the timer as it is.
            case keepTimer
            /// The worker ends with an error; its runner starts a new one (with a fresh schedule).
            case stopWorker
        }

        /// How a pass ended.
        public enum PassOutcome: Sendable, Equatable {
            case succeeded
            /// Publishing the API addresses failed, or the reconfig did (`replicaSetError`).
            case failed
            /// Anything else — reading the replica set's status or config, a `desiredPeerGroup`
            /// error, a failed `hasvote` write: the worker dies.
            case fatal
        }

        /// A watcher fired and the tracked machines were refreshed. A real change (the machine
        /// list, a machine's vote wish or addresses) runs a pass at once; the back-off is not
        /// reset by it, only by a successful pass.
        public func noticed(changed: Bool) -> Decision {
            changed ? .runAfter(.zero) : .keepTimer
        }

        /// A pass ended: poll again after a success, back off after a failure.
        public mutating func passFinished(_ outcome: PassOutcome) -> Decision {
            switch outcome {
            case .succeeded:
                retryInterval = Self.initialRetryInterval
                return .runAfter(Self.pollInterval)
            case .failed:
                let wait = retryInterval
                retryInterval = min(retryInterval * 2, Self.maxRetryInterval)
                return .runAfter(wait)
            case .fatal:
                return .stopWorker
            }
        }

        /// A pass publishes the API addresses, then updates the replica set; the first part
        /// failing never stops the second, and either failing makes the pass a failure.
        public static func outcome(publishSucceeded: Bool, updateFailure: FailureKind?) -> PassOutcome {
            switch updateFailure {
            case .fatal?: return .fatal
            case .replicaSetError?: return .failed
            case nil: return publishSucceeded ? .succeeded : .failed
            }
        }
    }
}
