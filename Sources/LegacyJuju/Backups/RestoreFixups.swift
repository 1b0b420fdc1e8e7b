import BSON
import HACore

/// What the restore does to the `juju` database after mongorestore, so that the restored
/// environment has a single state server on the new instance (spec §5.4, the 1.20 plugin's
/// remote script; §5.5 step 6 for the `machineid` selector of env-prefixed layouts):
/// - machine 0 and its instance data point at the new instance;
/// - every other machine that had a vote is removed (its instance is gone);
/// - `stateServers` lists machine 0 only.
/// The commands are sent to the new primary like any other write.
public struct RestoreFixups: Sendable {
    public var environmentUUID: String
    public var version: JujuVersion
    public var newInstanceID: String

    public init(environmentUUID: String, version: JujuVersion, newInstanceID: String) {
        self.environmentUUID = environmentUUID
        self.version = version
        self.newInstanceID = newInstanceID
    }

    private var layout: DocumentLayout { version.documentLayout }
    private var machine0: Value { .string(DocumentID.scoped("0", environUUID: environmentUUID, layout: layout)) }
    private static let majority: Document = ["w": "majority", "wtimeout": .int32(30_000)]

    /// `(database, command)` pairs, in the script's order.
    public var commands: [(String, Document)] {
        let setInstance: Document = ["$set": ["instanceid": .string(newInstanceID)]]
        let machineSelector: Document = layout == .bare ? ["_id": machine0] : ["machineid": "0"]
        return [
            ("juju", update("machines", machineSelector, setInstance)),
            ("juju", update("instanceData", ["_id": machine0], setInstance)),
            ("juju", ["delete": "machines",
                      "deletes": [["q": ["_id": ["$ne": machine0], "hasvote": true], "limit": .int32(0)]],
                      "writeConcern": .document(Self.majority)]),
            // The 1.20 script writes the number 0 here, which Juju's string lists cannot read
            // back; Quorum writes the string "0" as the 1.25 script does.
            ("juju", update(StateServerInfo.collection, ["_id": .string(StateServerInfo.documentID)],
                            ["$set": ["machineids": ["0"], "votingmachineids": ["0"]]])),
        ]
    }

    private func update(_ collection: String, _ selector: Document, _ change: Document) -> Document {
        ["update": .string(collection), "updates": [["q": .document(selector), "u": .document(change)]],
         "writeConcern": .document(Self.majority)]
    }
}
