import BSON

/// How Juju 1.20 shapes its MongoDB replica set (its `replicaset` package and peergrouper): the
/// set name, the state port, the voter limit, and members tagged with their machine id.
public enum JujuReplicaSet {
    /// `mongo.ReplicaSetName`: mongod runs with `--replSet juju`.
    public static let replicaSetName = "juju"
    /// The default `state-port`.
    public static let statePort = 37017
    /// `replicaset.MaxPeers`: Juju never asks for more voting state servers than MongoDB allows.
    public static let maxPeers = 7
    /// The member tag that ties a replica set member to its Juju machine.
    public static let machineTag = "juju-machine-id"

    /// "address:37017", the member address Juju builds for a machine.
    public static func hostPort(_ address: String, port: Int = statePort) -> String {
        address.contains(":") && !address.hasPrefix("[") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// The member for machine `machineId` at `host`. Juju leaves votes and priority at Mongo's
    /// defaults (1, 1) for voters and writes `votes: 0, priority: 0` for the others.
    public static func member(id: Int, machineId: String, host: String, voting: Bool = true) -> MemberConfig {
        MemberConfig(
            id: id, host: host, priority: voting ? 1 : 0, tags: [machineTag: machineId], votes: voting ? 1 : 0)
    }

    /// The machine id a member is tagged with, if it is one of Juju's.
    public static func machineId(of member: MemberConfig) -> String? {
        member.tags[machineTag]
    }

    /// The `replSetInitiate` argument of Juju's bootstrap: one member, `_id` 1, machine "0" by default.
    public static func initiateDocument(host: String, machineId: String = "0") -> Document {
        let member: Document = [
            "_id": .int32(1), "host": .string(host), "tags": .document([machineTag: .string(machineId)]),
        ]
        return ["_id": .string(replicaSetName), "version": .int32(1), "members": .array([.document(member)])]
    }
}
