import DqliteStore
import Foundation
import HACore
import RaftCluster
import Yams

/// `dump/controller.yaml` of a format-2 backup: every table of the controller database, in the
/// order the schema creates them (so rows can be inserted back in that order).
public struct ControllerExport: Codable, Equatable, Sendable {
    public var version: Int
    public var tables: [ExportedTable]

    public init(version: Int = 1, tables: [ExportedTable]) {
        self.version = version
        self.tables = tables
    }

    public func table(_ name: String) -> ExportedTable? { tables.first { $0.name == name } }
}

public struct ExportedTable: Codable, Equatable, Sendable {
    public var name: String
    public var columns: [String]
    public var rows: [[ExportedValue]]

    public init(name: String, columns: [String], rows: [[SQLValue]]) {
        self.name = name
        self.columns = columns
        self.rows = rows.map { $0.map(ExportedValue.init) }
    }

    public var sqlRows: [[SQLValue]] { rows.map { $0.map(\.value) } }
}

/// A column value in YAML: a one-key map naming its Dqlite type (`{text: abc}`, `{integer: 5}`,
/// `{null: true}`), so a restore binds exactly what was stored.
public struct ExportedValue: Codable, Equatable, Sendable {
    public var value: SQLValue

    public init(_ value: SQLValue) { self.value = value }

    private enum Key: String, CodingKey {
        case integer, float, text, blob, null, unixtime, iso8601, boolean
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch value {
        case .integer(let v): try container.encode(v, forKey: .integer)
        case .float(let v): try container.encode(v, forKey: .float)
        case .text(let v): try container.encode(v, forKey: .text)
        case .blob(let v): try container.encode(Data(v).base64EncodedString(), forKey: .blob)
        case .null: try container.encode(true, forKey: .null)
        case .unixTime(let v): try container.encode(v, forKey: .unixtime)
        case .iso8601(let v): try container.encode(v, forKey: .iso8601)
        case .boolean(let v): try container.encode(v, forKey: .boolean)
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a value names exactly one type"))
        }
        switch key {
        case .integer: value = .integer(try container.decode(Int64.self, forKey: key))
        case .float: value = .float(try container.decode(Double.self, forKey: key))
        case .text: value = .text(try container.decode(String.self, forKey: key))
        case .blob:
            guard let data = Data(base64Encoded: try container.decode(String.self, forKey: key)) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "blob is not base64")
            }
            value = .blob([UInt8](data))
        case .null: value = .null
        case .unixtime: value = .unixTime(try container.decode(Int64.self, forKey: key))
        case .iso8601: value = .iso8601(try container.decode(String.self, forKey: key))
        case .boolean: value = .boolean(try container.decode(Bool.self, forKey: key))
        }
    }
}

/// `dump/models/<uuid>.yaml`: a model and its machines.
public struct ModelExport: Codable, Equatable, Sendable {
    public struct Machine: Codable, Equatable, Sendable {
        public var id: String
        public var instanceID: String
        public var isController: Bool

        public init(id: String, instanceID: String, isController: Bool) {
            self.id = id
            self.instanceID = instanceID
            self.isController = isController
        }

        enum CodingKeys: String, CodingKey {
            case id
            case instanceID = "instance-id"
            case isController = "is-controller"
        }
    }

    public var version: Int
    public var uuid: String
    public var name: String
    public var machines: [Machine]

    public init(version: Int = 1, uuid: String, name: String, machines: [Machine]) {
        self.version = version
        self.uuid = uuid
        self.name = name
        self.machines = machines
    }
}

/// `metadata.json` of format 2 (spec §6.1): v1's fields with `Base` for `Series`.
public struct ModernBackupMetadata: Equatable, Sendable {
    public var started: Int64
    public var notes = ""
    public var modelUUID: String
    public var machine: String
    public var hostname: String
    public var version: String
    public var base: String
    public var controllerUUID: String
    public var haNodes: Int
    public var controllerMachineID: String
    public var controllerMachineInstanceID: String

    public init(started: Int64, modelUUID: String, machine: String, hostname: String, version: String, base: String,
                controllerUUID: String, haNodes: Int, controllerMachineID: String, controllerMachineInstanceID: String) {
        self.started = started
        self.modelUUID = modelUUID
        self.machine = machine
        self.hostname = hostname
        self.version = version
        self.base = base
        self.controllerUUID = controllerUUID
        self.haNodes = haNodes
        self.controllerMachineID = controllerMachineID
        self.controllerMachineInstanceID = controllerMachineInstanceID
    }

    static let required = ["ID", "FormatVersion", "Started", "ModelUUID", "Machine", "Hostname", "Version", "ControllerUUID", "HANodes"]

    public var json: String {
        var text = formatJSON(.object([
            ("ID", .string("")), ("FormatVersion", .int(2)), ("Checksum", .string("")), ("ChecksumFormat", .string("")),
            ("Size", .int(0)), ("Stored", .string(CivilTime.goZeroRFC3339)),
            ("Started", .string(CivilTime(unixMicroseconds: started).rfc3339Nano)), ("Finished", .string(CivilTime.goZeroRFC3339)),
            ("Notes", .string(notes)), ("ModelUUID", .string(modelUUID)), ("Machine", .string(machine)),
            ("Hostname", .string(hostname)), ("Version", .string(version)), ("Base", .string(base)),
            ("ControllerUUID", .string(controllerUUID)), ("HANodes", .int(haNodes)),
            ("ControllerMachineID", .string(controllerMachineID)), ("ControllerMachineInstanceID", .string(controllerMachineInstanceID)),
        ]))
        text.removeLast()
        return text
    }
}

/// A format-2 backup in memory.
public struct ModernBackupContents: Equatable, Sendable {
    public var metadata: ModernBackupMetadata
    public var controller: ControllerExport
    public var models: [ModelExport]
    public var rootFiles: [BackupFile]

    public init(metadata: ModernBackupMetadata, controller: ControllerExport, models: [ModelExport], rootFiles: [BackupFile]) {
        self.metadata = metadata
        self.controller = controller
        self.models = models
        self.rootFiles = rootFiles
    }
}

/// Writes format 2: `metadata.json`, `root.tar`, `dump/controller.yaml`, `dump/models/<uuid>.yaml`,
/// then Quorum's manifest; the file appears only once complete.
public enum ModernArchiveWriter {
    public static func write(_ backup: ModernBackupContents, to path: String, modificationTime: Int64) throws -> WrittenArchive {
        let encoder = YAMLEncoder()
        var manifest = Manifest()
        try AtomicOutput.write(to: path) { temporary in
            let writer = try ArchiveWriter(path: temporary, compression: .gzip, modificationTime: modificationTime)
            try writer.addDirectory(BackupLayout.root)
            try writer.addFile(BackupLayout.metadata, bytes: Array(backup.metadata.json.utf8))
            try writer.addFile(BackupLayout.rootTar, bytes: try LegacyArchiveWriter.rootTar(backup.rootFiles, modificationTime: modificationTime))
            try writer.addDirectory(BackupLayout.dump)
            try writer.addFile(BackupLayout.controllerYAML, bytes: Array(try encoder.encode(backup.controller).utf8))
            try writer.addDirectory(BackupLayout.modelsDirectory)
            for model in backup.models {
                try writer.addFile("\(BackupLayout.modelsDirectory)/\(model.uuid).yaml", bytes: Array(try encoder.encode(model).utf8))
            }
            manifest = writer.manifest
            try writer.addFile(Manifest.archivePath, bytes: manifest.jsonBytes())
            _ = try writer.finish()
        }
        return try WrittenArchive(path: path, manifest: manifest)
    }
}
