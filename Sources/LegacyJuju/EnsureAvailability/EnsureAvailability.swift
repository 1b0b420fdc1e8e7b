import HACore
import ReplicaSet

/// What one `ensure-availability` call decided and must write.
public struct EnsureAvailabilityResult: Equatable, Sendable {
    /// What the command reports; all empty when there was nothing to do.
    public var changes: StateServersChanges
    /// The writes in Juju's order: the "machine" sequence bumps, then the transaction's operations.
    public var writes: [StateWrite]
    /// The "machine" sequence counter after the call.
    public var nextMachineSequence: Int

    /// Juju's `ErrNoOperations`: no transaction ran.
    public var isNoOp: Bool { writes.isEmpty }
}

/// The state layer's plan for the state servers (`ensureAvailabilityIntent`).
struct EnsureAvailabilityIntent: Equatable {
    var maintain: [MachineFacts] = []
    var promote: [MachineFacts] = []
    var demote: [MachineFacts] = []
    var remove: [MachineFacts] = []
    var convert: [MachineFacts] = []
    /// Directives for new machines, used in order until they run out.
    var placement: [String] = []
    var newCount = 0
}

extension StateSnapshot {
    /// The API server's `EnsureAvailability`: without `--series`, new machines take the series of
    /// the first voting machine; then the state layer runs.
    public func apiEnsureAvailability(
        _ request: EnsureAvailabilityRequest, version: JujuVersion
    ) throws(EnsureAvailabilityError) -> EnsureAvailabilityResult {
        var request = request
        if request.series.isEmpty { request.series = try templateSeries() }
        return try ensureAvailability(request, version: version)
    }

    /// The series of `votingmachineids[0]`.
    func templateSeries() throws(EnsureAvailabilityError) -> String {
        guard let first = info.votingMachineIDs.first else { throw .noVotingMachines }
        return try machine(first).series
    }

    /// `State.EnsureAvailability`: the count checks made before the transaction, then the
    /// transaction builder, whose failures Juju annotates.
    public func ensureAvailability(
        _ request: EnsureAvailabilityRequest, version: JujuVersion
    ) throws(EnsureAvailabilityError) -> EnsureAvailabilityResult {
        let count = request.numStateServers
        guard count >= 0, count == 0 || count % 2 == 1 else { throw .stateServerCountNotOdd }
        guard count <= JujuReplicaSet.maxPeers else { throw .stateServerCountTooLarge(allowed: JujuReplicaSet.maxPeers) }
        do {
            return try buildTransaction(request, version: version)
        } catch {
            throw .failedToCreateStateServerMachines(error)
        }
    }

    /// `-n 0` keeps the current number of voters, but never fewer than three.
    func desiredCount(_ requested: Int) -> Int {
        if requested != 0 { return requested }
        let current = info.votingMachineIDs.count
        return current <= 1 ? 3 : current
    }

    private func buildTransaction(
        _ request: EnsureAvailabilityRequest, version: JujuVersion
    ) throws(EnsureAvailabilityError) -> EnsureAvailabilityResult {
        let desired = desiredCount(request.numStateServers)
        guard info.votingMachineIDs.count <= desired else { throw .cannotReduceStateServerCount }
        var intent = try intentions(placement: request.placement, version: version)
        var voteCount = intent.maintain.filter(\.wantsVote).count
        if voteCount == desired && intent.remove.isEmpty {
            return EnsureAvailabilityResult(changes: StateServersChanges(), writes: [], nextMachineSequence: nextMachineSequence)
        }
        // Fill the shortfall with available non-voters first, then `--to` machines, then new ones.
        intent.promote = Array(intent.promote.prefix(max(0, desired - voteCount)))
        voteCount += intent.promote.count
        intent.convert = Array(intent.convert.prefix(max(0, desired - voteCount)))
        voteCount += intent.convert.count
        intent.newCount = max(0, desired - voteCount)
        return try EnsureAvailabilityOps(snapshot: self, version: version).result(for: intent, request: request)
    }

    /// What to do with each existing state server, plus the placement directives.
    func intentions(placement: [String], version: JujuVersion) throws(EnsureAvailabilityError) -> EnsureAvailabilityIntent {
        var intent = EnsureAvailabilityIntent()
        try addPlacement(placement, version: version, to: &intent)
        for id in info.machineIDs {
            classify(try machine(id), into: &intent)
        }
        return intent
    }

    /// Available voters stay; available non-voters may be promoted; an unavailable voter is
    /// demoted (the peergrouper then takes its vote away); an unavailable machine that still
    /// holds a vote is kept until it loses it; after that it loses its state server job.
    private func classify(_ machine: MachineFacts, into intent: inout EnsureAvailabilityIntent) {
        switch (machine.agentAlive, machine.wantsVote, machine.hasVote) {
        case (true, true, _): intent.maintain.append(machine)
        case (true, false, _): intent.promote.append(machine)
        case (false, true, _): intent.demote.append(machine)
        case (false, false, true): intent.maintain.append(machine)
        case (false, false, false): intent.remove.append(machine)
        }
    }

    /// 1.20 has no placement; 1.21/1.22 pass every directive to new machines; 1.23+ turns
    /// machine directives into conversions (and, a quirk, still queues them for new machines).
    private func addPlacement(
        _ placement: [String], version: JujuVersion, to intent: inout EnsureAvailabilityIntent
    ) throws(EnsureAvailabilityError) {
        switch version.placementSupport {
        case .none: return
        case .unscopedOnly: intent.placement = placement
        case .machinesAndUnscoped:
            for directive in placement {
                try addDirective(directive, to: &intent)
            }
        }
    }

    private func addDirective(_ directive: String, to intent: inout EnsureAvailabilityIntent) throws(EnsureAvailabilityError) {
        let parsed = PlacementDirective.parse(directive)
        if parsed == .scopeMissing {
            intent.placement.append(directive)
            return
        }
        guard let id = parsed.machineID else { throw .unsupportedPlacement(directive) }
        guard !PlacementDirective.isContainerMachine(id) else { throw .containerPlacementNotSupported }
        guard let target = machines.first(where: { $0.id == id }) else {
            throw .placementMachineNotFound(directive: directive, machineID: id)
        }
        guard !target.isManager else { throw .placementMachineIsStateServer(directive: directive) }
        intent.convert.append(target)
        intent.placement.append(directive)
    }
}
