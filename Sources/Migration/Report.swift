import BSON
import Crypto

/// A collection's (or table's) document count and the SHA-256 of its canonical documents in
/// order: canonical extended JSON of each document, one per line.
public struct ContentDigest: Equatable, @unchecked Sendable {
    public private(set) var count = 0
    private var hash = SHA256()

    public init() {}

    mutating func add(_ document: Document) throws {
        hash.update(data: Array(try document.canonicalExtendedJSON.utf8))
        hash.update(data: [0x0A])
        count += 1
    }

    mutating func add(bson bytes: UnsafeRawBufferPointer) throws {
        try add(BSONBuffer.decode(validated: bytes))
    }

    mutating func add(line: String) {
        hash.update(data: Array(line.utf8))
        hash.update(data: [0x0A])
        count += 1
    }

    public var hex: String {
        hash.finalize().map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    public static func == (lhs: ContentDigest, rhs: ContentDigest) -> Bool {
        lhs.count == rhs.count && lhs.hex == rhs.hex
    }
}

/// What a migration did (or, with --dry-run, would do), per source collection or table.
public struct MigrationReport: Sendable {
    public struct Line: Sendable, Equatable {
        public var source: String
        public var documents = 0
        /// Rows written per table.
        public var rows: [String: Int] = [:]
        /// Documents that travel unchanged.
        public var kept = 0
        /// Refusals (dry run only; a real run stops at the first).
        public var refused: [String] = []
    }

    public var direction: String = ""
    /// What a source line counts: documents (legacy sources) or rows (modern tables).
    public var unit = "documents"
    public private(set) var lines: [Line] = []
    public var documents = 0
    public var bytes = 0
    public var seconds = 0.0
    /// Filled by --verify: the per-collection digests compared.
    public var verified: [String: ContentDigest] = [:]

    mutating func line(_ source: String) -> Int {
        if let index = lines.firstIndex(where: { $0.source == source }) { return index }
        lines.append(Line(source: source))
        return lines.count - 1
    }

    mutating func count(_ source: String, rows table: String?, kept: Bool) {
        let index = line(source)
        lines[index].documents += 1
        if let table { lines[index].rows[table, default: 0] += 1 }
        if kept { lines[index].kept += 1 }
    }

    mutating func countKept(_ index: Int) {
        lines[index].documents += 1
        lines[index].kept += 1
    }

    mutating func derived(_ source: String, table: String) {
        lines[line(source)].rows[table, default: 0] += 1
    }

    mutating func refuse(_ source: String, _ message: String) {
        let index = line(source)
        lines[index].documents += 1
        lines[index].refused.append(message)
    }

    public var refusals: [String] { lines.flatMap(\.refused) }

    /// One line per source: documents, where they went.
    public func render() -> String {
        var out: [String] = []
        for line in lines {
            var parts: [String] = []
            for (table, n) in line.rows.sorted(by: { $0.key < $1.key }) where !(unit == "rows" && line.source.hasPrefix("juju-backup/")) {
                parts.append("\(n) → \(table)")
            }
            if line.kept > 0 { parts.append("\(line.kept) kept as they are") }
            if !line.refused.isEmpty { parts.append("\(line.refused.count) refused") }
            let unit = line.source.hasPrefix("juju-backup/") ? "documents" : self.unit
            let counted = line.documents == 1 ? String(unit.dropLast()) : unit
            out.append("  \(line.source): \(line.documents) \(counted)" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", ")))
            for refusal in line.refused.prefix(10) { out.append("    refused: \(refusal)") }
        }
        return out.joined(separator: "\n")
    }
}
