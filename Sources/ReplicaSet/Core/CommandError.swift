import BSON

/// A command failure as mongod reports it: `{ok: 0, errmsg, code, codeName, errorLabels?}`.
public struct CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: Int32
    public var codeName: String
    public var errmsg: String
    /// Labels drivers act on, e.g. `RetryableWriteError` (wire version ≥ 9 drivers trust only these).
    public var errorLabels: [String]

    public init(code: Int32, codeName: String, errmsg: String, errorLabels: [String] = []) {
        self.code = code
        self.codeName = codeName
        self.errmsg = errmsg
        self.errorLabels = errorLabels
    }

    public var description: String { "\(codeName) (\(code)): \(errmsg)" }

    /// The error reply document; `topologyVersion` is added by the member when it has one.
    public func reply(topologyVersion: Document? = nil) -> Document {
        var doc: Document = ["ok": .double(0), "errmsg": .string(errmsg), "code": .int32(code), "codeName": .string(codeName)]
        if !errorLabels.isEmpty { doc.append("errorLabels", .array(errorLabels.map { .string($0) })) }
        if let topologyVersion { doc.append("topologyVersion", .document(topologyVersion)) }
        return doc
    }
}

/// MongoDB's error codes (`src/mongo/base/error_codes.yml`) that Quorum's replica set returns.
extension CommandError {
    public static func badValue(_ m: String) -> CommandError { .init(code: 2, codeName: "BadValue", errmsg: m) }
    public static func failedToParse(_ m: String) -> CommandError { .init(code: 9, codeName: "FailedToParse", errmsg: m) }
    public static func typeMismatch(_ m: String) -> CommandError { .init(code: 14, codeName: "TypeMismatch", errmsg: m) }
    public static func alreadyInitialized(_ m: String) -> CommandError { .init(code: 23, codeName: "AlreadyInitialized", errmsg: m) }
    public static func namespaceNotFound(_ m: String) -> CommandError { .init(code: 26, codeName: "NamespaceNotFound", errmsg: m) }
    public static func cursorNotFound(_ m: String) -> CommandError { .init(code: 43, codeName: "CursorNotFound", errmsg: m) }
    public static func commandNotFound(_ m: String) -> CommandError { .init(code: 59, codeName: "CommandNotFound", errmsg: m) }
    public static func writeConcernTimeout(_ m: String) -> CommandError { .init(code: 64, codeName: "WriteConcernTimeout", errmsg: m) }
    public static func nodeNotFound(_ m: String) -> CommandError { .init(code: 74, codeName: "NodeNotFound", errmsg: m) }
    public static func noReplicationEnabled(_ m: String) -> CommandError { .init(code: 76, codeName: "NoReplicationEnabled", errmsg: m) }
    public static func shutdownInProgress(_ m: String) -> CommandError {
        .init(code: 91, codeName: "ShutdownInProgress", errmsg: m, errorLabels: ["RetryableWriteError"])
    }
    public static func invalidReplicaSetConfig(_ m: String) -> CommandError { .init(code: 93, codeName: "InvalidReplicaSetConfig", errmsg: m) }
    public static func notYetInitialized(_ m: String) -> CommandError { .init(code: 94, codeName: "NotYetInitialized", errmsg: m) }
    public static func notSecondary(_ m: String) -> CommandError { .init(code: 95, codeName: "NotSecondary", errmsg: m) }
    public static func unsatisfiableWriteConcern(_ m: String) -> CommandError { .init(code: 100, codeName: "UnsatisfiableWriteConcern", errmsg: m) }
    public static func newReplicaSetConfigurationIncompatible(_ m: String) -> CommandError {
        .init(code: 103, codeName: "NewReplicaSetConfigurationIncompatible", errmsg: m)
    }
    public static func nodeNotElectable(_ m: String) -> CommandError { .init(code: 104, codeName: "NodeNotElectable", errmsg: m) }
    public static func configurationInProgress(_ m: String) -> CommandError { .init(code: 109, codeName: "ConfigurationInProgress", errmsg: m) }
    public static func primarySteppedDown(_ m: String) -> CommandError {
        .init(code: 189, codeName: "PrimarySteppedDown", errmsg: m, errorLabels: ["RetryableWriteError"])
    }
    public static func exceededTimeLimit(_ m: String) -> CommandError { .init(code: 262, codeName: "ExceededTimeLimit", errmsg: m) }
    public static func currentConfigNotCommittedYet(_ m: String) -> CommandError {
        .init(code: 308, codeName: "CurrentConfigNotCommittedYet", errmsg: m)
    }
    public static func duplicateKey(_ m: String) -> CommandError { .init(code: 11000, codeName: "DuplicateKey", errmsg: m) }
    public static func interruptedAtShutdown(_ m: String) -> CommandError {
        .init(code: 11600, codeName: "InterruptedAtShutdown", errmsg: m, errorLabels: ["RetryableWriteError"])
    }
    public static func interruptedDueToReplStateChange(_ m: String) -> CommandError {
        .init(code: 11602, codeName: "InterruptedDueToReplStateChange", errmsg: m, errorLabels: ["RetryableWriteError"])
    }
    /// A write sent to a member that is not the writable primary.
    public static func notWritablePrimary(_ m: String = "not primary") -> CommandError {
        .init(code: 10107, codeName: "NotWritablePrimary", errmsg: m, errorLabels: ["RetryableWriteError"])
    }
    /// A primary-only read sent to a secondary without `secondaryOk`.
    public static func notPrimaryNoSecondaryOk(_ m: String = "not primary and secondaryOk=false") -> CommandError {
        .init(code: 13435, codeName: "NotPrimaryNoSecondaryOk", errmsg: m)
    }
}
