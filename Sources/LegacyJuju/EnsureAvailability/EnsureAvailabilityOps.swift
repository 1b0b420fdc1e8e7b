import BSON
import HACore

/// The writes that carry out an `EnsureAvailabilityIntent` (§2.3), in Juju's order: promotions,
/// demotions, conversions, new machines, removals, then the `stateServers` update for the new
/// machines.
struct EnsureAvailabilityOps {
    let snapshot: StateSnapshot
    let version: JujuVersion

    private var layout: DocumentLayout { version.documentLayout }
    private static let manageEnviron = Value.int32(Int32(MachineJob.manageEnviron.rawValue))

    func result(for intent: EnsureAvailabilityIntent, request: EnsureAvailabilityRequest) throws(EnsureAvailabilityError) -> EnsureAvailabilityResult {
        var changes = StateServersChanges()
        var transaction: [StateWrite] = []
        for machine in intent.promote {
            transaction += promote(machine)
            changes.promoted.append(machine.id)
        }
        for machine in intent.demote {
            transaction += demote(machine)
            changes.demoted.append(machine.id)
        }
        for machine in intent.convert {
            transaction += convert(machine)
            changes.converted.append(machine.id)
        }
        let added = try addMachines(intent, request: request)
        transaction += added.writes
        changes.added = added.ids
        for machine in intent.remove {
            transaction += remove(machine)
            changes.removed.append(machine.id)
        }
        changes.maintained = intent.maintain.map(\.id)
        if !added.ids.isEmpty { transaction.append(maintainStateServers(newIDs: added.ids)) }
        return EnsureAvailabilityResult(
            changes: changes, writes: added.sequenceBumps + transaction,
            nextMachineSequence: snapshot.nextMachineSequence + added.ids.count)
    }

    // MARK: Existing machines

    private func machineID(_ machine: MachineFacts) -> String {
        DocumentID.scoped(machine.id, environUUID: snapshot.environUUID, layout: layout)
    }

    private func machineWrite(_ machine: MachineFacts, assert: Document, update: Document) -> StateWrite {
        StateWrite(collection: "machines", id: machineID(machine), assertion: .matches(assert), operation: .update(update, upsert: false))
    }

    private func stateServersWrite(_ update: Document, assert: StateWrite.Assertion = .none) -> StateWrite {
        StateWrite(collection: StateServerInfo.collection, id: StateServerInfo.documentID, assertion: assert, operation: .update(update, upsert: false))
    }

    /// An available non-voter is asked to vote again.
    func promote(_ machine: MachineFacts) -> [StateWrite] {
        [machineWrite(machine, assert: ["novote": true], update: ["$set": ["novote": false]]),
         stateServersWrite(["$addToSet": ["votingmachineids": .string(machine.id)]])]
    }

    /// An unavailable voter is told to stop voting; the peergrouper removes its vote later.
    func demote(_ machine: MachineFacts) -> [StateWrite] {
        [machineWrite(machine, assert: ["novote": false], update: ["$set": ["novote": true]]),
         stateServersWrite(["$pull": ["votingmachineids": .string(machine.id)]])]
    }

    /// A machine that neither wants nor holds a vote stops being a state server.
    func remove(_ machine: MachineFacts) -> [StateWrite] {
        [machineWrite(machine, assert: ["novote": true, "hasvote": false],
                      update: ["$pull": ["jobs": Self.manageEnviron], "$set": ["novote": false]]),
         stateServersWrite(["$pull": ["machineids": .string(machine.id)]])]
    }

    /// A `--to` machine becomes a voting state server. Juju's two `$addToSet` keys are merged
    /// into one operator document, which MongoDB applies the same way.
    func convert(_ machine: MachineFacts) -> [StateWrite] {
        [machineWrite(machine, assert: ["jobs": ["$nin": [Self.manageEnviron]]],
                      update: ["$addToSet": ["jobs": Self.manageEnviron], "$set": ["novote": false]]),
         stateServersWrite(["$addToSet": ["votingmachineids": .string(machine.id), "machineids": .string(machine.id)]])]
    }

    // MARK: New machines

    private struct AddedMachines {
        var ids: [String] = []
        var sequenceBumps: [StateWrite] = []
        var writes: [StateWrite] = []
    }

    private func addMachines(_ intent: EnsureAvailabilityIntent, request: EnsureAvailabilityRequest) throws(EnsureAvailabilityError) -> AddedMachines {
        var added = AddedMachines()
        var placement = intent.placement[...]
        for offset in 0..<intent.newCount {
            // Juju checks the template before it takes a number from the sequence.
            guard !request.series.isEmpty else { throw .noSeriesSpecified }
            let id = String(snapshot.nextMachineSequence + offset)
            let machine = MachineDocument.newStateServer(id: id, series: request.series, placement: placement.popFirst() ?? "")
            added.ids.append(id)
            added.sequenceBumps.append(sequenceBump())
            added.writes += insertOps(machine, constraints: machineConstraints(request.constraints))
        }
        return added
    }

    /// Machines do not keep a container constraint; the rest falls back on the environment's.
    private func machineConstraints(_ requested: ConstraintsValue) -> ConstraintsValue {
        var constraints = requested.withFallbacks(snapshot.environConstraints)
        constraints.container = nil
        return constraints
    }

    /// The machine and its constraints document; 1.25 queues the constraints first.
    private func insertOps(_ machine: MachineDocument, constraints: ConstraintsValue) -> [StateWrite] {
        let uuid = snapshot.environUUID
        let key = DocumentID.machineGlobalKey(machine.id)
        let machineInsert = StateWrite(
            collection: "machines", id: DocumentID.scoped(machine.id, environUUID: uuid, layout: layout),
            assertion: .documentMissing, operation: .insert(machine.document(environUUID: uuid, version: version)))
        let constraintsInsert = StateWrite(
            collection: "constraints", id: DocumentID.scoped(key, environUUID: uuid, layout: layout),
            assertion: .documentMissing,
            operation: .insert(constraints.document(key: key, environUUID: uuid, version: version)))
        return layout == .bare ? [machineInsert, constraintsInsert] : [constraintsInsert, machineInsert]
    }

    /// `State.sequence("machine")`: an upserting increment outside the transaction.
    private func sequenceBump() -> StateWrite {
        var update: Document = [:]
        if layout == .environmentPrefixed {
            update.append("$set", ["name": "machine", "env-uuid": .string(snapshot.environUUID)])
        }
        update.append("$inc", ["counter": .int32(1)])
        return StateWrite(
            collection: "sequence", id: DocumentID.scoped("machine", environUUID: snapshot.environUUID, layout: layout),
            operation: .update(update, upsert: true), isTransactional: false)
    }

    /// `maintainStateServersOps`: the new machines join both id lists, provided nobody changed
    /// the lists' lengths since they were read.
    func maintainStateServers(newIDs: [String]) -> StateWrite {
        let ids = Value.array(newIDs.map(Value.string))
        let assert: Document = ["$and": [
            ["machineids": ["$size": .int32(Int32(snapshot.info.machineIDs.count))]],
            ["votingmachineids": ["$size": .int32(Int32(snapshot.info.votingMachineIDs.count))]],
        ]]
        let update: Document = ["$addToSet": ["machineids": ["$each": ids], "votingmachineids": ["$each": ids]]]
        return stateServersWrite(update, assert: .matches(assert))
    }
}
