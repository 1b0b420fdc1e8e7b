import BSON
import HACore

/// `juju-backup/metadata.json` of a 1.21+ backup (spec §5.3). The archive copy is written when
/// the backup starts, so `id`, `checksum`, `size`, `stored` and `finished` are empty there; the
/// values the CLI prints come from the finished backup.
public struct LegacyBackupMetadata: Equatable, Sendable {
    public var id = ""
    public var checksum = ""
    public var checksumFormat = ""
    public var size = 0
    /// Unix microseconds; nil is Go's zero time.
    public var stored: Int64?
    public var started: Int64?
    public var finished: Int64?
    public var notes = ""
    /// v0 `Environment`, v1 `ModelUUID`.
    public var environment: String
    public var machine: String
    public var hostname: String
    public var version: String
    // v1 only.
    public var series = ""
    public var controllerUUID = ""
    public var haNodes = 0
    public var controllerMachineID = ""
    public var controllerMachineInstanceID = ""

    public init(environment: String, machine: String, hostname: String, version: String, started: Int64?) {
        self.environment = environment
        self.machine = machine
        self.hostname = hostname
        self.version = version
        self.started = started
    }

    /// The keys a v0 file must have for Quorum to restore it.
    static let requiredV0 = ["ID", "Started", "Environment", "Machine", "Hostname", "Version"]
    static let requiredV1 = ["ID", "FormatVersion", "Started", "ModelUUID", "Machine", "Hostname", "Version"]

    /// Go's `encoding/json` of Juju's metadata struct: compact, fields in declared order.
    public func json(format: LegacyBackupFormat) -> String {
        func time(_ micros: Int64?) -> GoValue {
            .string(micros.map { CivilTime(unixMicroseconds: $0).rfc3339Nano } ?? CivilTime.goZeroRFC3339)
        }
        var fields: [(String, GoValue)] = [("ID", .string(id))]
        if format == .v1 { fields.append(("FormatVersion", .int(1))) }
        fields += [("Checksum", .string(checksum)), ("ChecksumFormat", .string(checksumFormat)), ("Size", .int(size)),
                   ("Stored", time(stored)), ("Started", time(started)), ("Finished", time(finished)), ("Notes", .string(notes))]
        if format == .v1 {
            fields += [("ModelUUID", .string(environment)), ("Machine", .string(machine)), ("Hostname", .string(hostname)),
                       ("Version", .string(version)), ("Series", .string(series)), ("ControllerUUID", .string(controllerUUID)),
                       ("HANodes", .int(haNodes)), ("ControllerMachineID", .string(controllerMachineID)),
                       ("ControllerMachineInstanceID", .string(controllerMachineInstanceID))]
        } else {
            fields += [("Environment", .string(environment)), ("Machine", .string(machine)), ("Hostname", .string(hostname)),
                       ("Version", .string(version))]
        }
        var text = formatJSON(.object(fields))
        text.removeLast()
        return text
    }

    /// Reads a v0 or v1 document (the caller has checked `FormatVersion`); every field a restore
    /// needs must be present and of the right type.
    init(document: Document, format: LegacyBackupFormat) throws(BackupError) {
        let required = format == .v1 ? Self.requiredV1 : Self.requiredV0
        for key in required where document[key] == nil {
            throw .invalidMetadata("metadata.json: missing field \"\(key)\"")
        }
        func string(_ key: String) throws(BackupError) -> String {
            guard let value = document[key] else { return "" }
            guard let text = value.stringValue else { throw .invalidMetadata("metadata.json: field \"\(key)\" is not a string") }
            return text
        }
        func integer(_ key: String) throws(BackupError) -> Int {
            guard let value = document[key] else { return 0 }
            guard let n = value.int64Value else { throw .invalidMetadata("metadata.json: field \"\(key)\" is not a number") }
            return Int(n)
        }
        func time(_ key: String) throws(BackupError) -> Int64? {
            let text = try string(key)
            if text.isEmpty || text == CivilTime.goZeroRFC3339 { return nil }
            guard let micros = CivilTime.parseRFC3339(text) else {
                throw .invalidMetadata("metadata.json: field \"\(key)\" is not a time: \"\(text)\"")
            }
            return micros
        }
        environment = try string(format == .v1 ? "ModelUUID" : "Environment")
        machine = try string("Machine")
        hostname = try string("Hostname")
        version = try string("Version")
        started = try time("Started")
        id = try string("ID")
        checksum = try string("Checksum")
        checksumFormat = try string("ChecksumFormat")
        size = try integer("Size")
        stored = try time("Stored")
        finished = try time("Finished")
        notes = try string("Notes")
        series = try string("Series")
        controllerUUID = try string("ControllerUUID")
        haNodes = try integer("HANodes")
        controllerMachineID = try string("ControllerMachineID")
        controllerMachineInstanceID = try string("ControllerMachineInstanceID")
    }
}
