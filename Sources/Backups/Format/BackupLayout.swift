/// Paths inside a backup archive (spec §5.1–§5.2; format 2 in the modern spec §6.1).
public enum BackupLayout {
    public static let root = "juju-backup"
    public static let metadata = "juju-backup/metadata.json"
    public static let rootTar = "juju-backup/root.tar"
    public static let dump = "juju-backup/dump"
    public static let oplog = "juju-backup/dump/oplog.bson"
    public static let environConfig = "juju-backup/environconfig.json"
    public static let controllerYAML = "juju-backup/dump/controller.yaml"
    public static let modelsDirectory = "juju-backup/dump/models"

    public static func collectionBSON(_ database: String, _ collection: String) -> String {
        "\(dump)/\(database)/\(collection).bson"
    }

    public static func collectionMetadata(_ database: String, _ collection: String) -> String {
        "\(dump)/\(database)/\(collection).metadata.json"
    }

    /// `(database, collection)` for `juju-backup/dump/<db>/<coll>.bson` (the oplog, directly
    /// under the dump, is no collection).
    public static func collection(ofBSONPath path: String) -> (String, String)? {
        guard path.hasPrefix(dump + "/"), path.hasSuffix(".bson") else { return nil }
        let rest = path.dropFirst(dump.count + 1).dropLast(5)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let database = String(rest[..<slash]), collection = String(rest[rest.index(after: slash)...])
        guard !database.isEmpty, !collection.isEmpty, !database.contains("/") else { return nil }
        return (database, collection)
    }

    public static func collection(ofMetadataPath path: String) -> (String, String)? {
        guard path.hasSuffix(".metadata.json") else { return nil }
        return collection(ofBSONPath: String(path.dropLast(".metadata.json".count)) + ".bson")
    }
}
