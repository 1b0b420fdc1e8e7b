import Crypto
import Foundation
import GRDB

/// The schema of the modern controller database: the ordered, forward-only `Migrations/*.sql`
/// files (DESIGN §5), one GRDB migration per file, in file-name order.
///
/// ## Where the SQL comes from
///
/// The files live in the repository's top-level `Migrations/` folder. The DqliteStore target
/// reaches them through the symlink `Sources/DqliteStore/Migrations -> ../../Migrations` and
/// declares the folder as a processed resource:
///
/// ```swift
/// .target(name: "DqliteStore", ..., exclude: ["Migrations/README.md"], resources: [.process("Migrations")])
/// ```
///
/// SwiftPM follows the symlink when it processes the folder, copying every file into the
/// target's resource bundle at build time (a change to a file, or a new file, is picked up by
/// the next `swift build`). `.copy("Migrations")` would not do: it copies the symlink itself,
/// which then dangles inside the bundle. The bundle is read once, on first use. (SwiftPM never
/// deletes a resource from a bundle: after renaming or deleting an unshipped migration file,
/// `swift package clean`.)
///
/// A file name is `NNNN_name.sql` (four digits, then lower-case letters, digits and `_`);
/// numbers start at 0001 and have no gaps, so a deleted or misnamed file is an error and not a
/// silently skipped migration. A shipped file never changes: `DqliteStoreTests` pins the
/// SHA-256 of each one.
public enum ControllerSchema {
    /// One migration file.
    public struct Migration: Sendable, Hashable {
        /// The file name without `.sql`, e.g. `0002_lease`: the GRDB migration identifier.
        public let identifier: String
        /// The `NNNN` prefix.
        public let number: Int
        /// The file's text.
        public let sql: String

        public var fileName: String { identifier + ".sql" }

        /// Lower-case hex SHA-256 of the file's bytes.
        public var sha256: String {
            SHA256.hash(data: Data(sql.utf8)).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        }
    }

    /// A migration file is missing, misnamed or unreadable.
    public struct MigrationFileError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var description: String { "controller schema: " + message }

        /// SwiftPM copies resources into the bundle but never deletes them there.
        static func naming(_ message: String) -> MigrationFileError {
            MigrationFileError(message: message + " (a migration file deleted or renamed since the last build stays in "
                + "the build's DqliteStore resource bundle until `swift package clean`)")
        }
    }

    /// The migrations, in order.
    public static func migrations() throws -> [Migration] {
        try loaded.get()
    }

    /// A migrator that registers one migration per file, in name order. If the files cannot be
    /// read, the migrator's only migration throws the reason, so `migrate` fails cleanly.
    public static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        switch loaded {
        case .success(let migrations):
            for migration in migrations {
                migrator.registerMigration(migration.identifier) { db in
                    try db.execute(sql: migration.sql)
                }
            }
        case .failure(let error):
            migrator.registerMigration("0000_unreadable") { _ in throw error }
        }
        return migrator
    }

    private static let loaded: Result<[Migration], MigrationFileError> = Result { try load() }
        .mapError { $0 as? MigrationFileError ?? MigrationFileError(message: "\($0)") }

    private static func load() throws -> [Migration] {
        guard let folder = Bundle.module.resourceURL else {
            throw MigrationFileError(message: "the DqliteStore resource bundle has no resource folder")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        var migrations: [Migration] = []
        for name in names {
            guard let number = migrationNumber(of: name) else {
                throw MigrationFileError.naming("\(name): a migration file is named NNNN_name.sql (name: a-z, 0-9, _)")
            }
            guard number == migrations.count + 1 else {
                throw MigrationFileError.naming("\(name): expected migration number \(migrations.count + 1)")
            }
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            guard let sql = String(data: data, encoding: .utf8) else {
                throw MigrationFileError(message: "\(name): not UTF-8")
            }
            migrations.append(Migration(identifier: String(name.dropLast(4)), number: number, sql: sql))
        }
        guard !migrations.isEmpty else {
            throw MigrationFileError(message: "no migration files in \(folder.path)")
        }
        return migrations
    }

    /// The number of `NNNN_name.sql`, or nil for any other name.
    static func migrationNumber(of fileName: String) -> Int? {
        let bytes = Array(fileName.utf8)
        guard bytes.count > 9, fileName.hasSuffix(".sql"), bytes[4] == UInt8(ascii: "_") else { return nil }
        let digits = bytes[0..<4]
        let stem = bytes[5..<(bytes.count - 4)]
        guard digits.allSatisfy({ (48...57).contains($0) }),
              stem.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == UInt8(ascii: "_") })
        else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }
}
