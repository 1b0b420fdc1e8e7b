import Backups
import Foundation
import RaftCluster
import Yams

/// Reads `dump/controller.yaml` a row at a time when `ControllerYAMLWriter` wrote it (one value
/// per line, strings double-quoted), so a table of millions of rows never sits in memory; any
/// other YAML (a controller's own backup, written through Yams) is decoded whole.
struct ControllerYAMLReader {
    let path: String

    /// Calls `table` at each table's start, then `row` for each of its rows.
    func scan(table: (String, [String]) throws -> Void, row: ([SQLValue]) throws -> Void) throws {
        if try isStreamable() {
            try scanLines(table: table, row: row)
            return
        }
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let export: ControllerExport
        do { export = try YAMLDecoder().decode(ControllerExport.self, from: text) } catch {
            throw MigrationError.backup(.invalidFile(entry: BackupLayout.controllerYAML, detail: "invalid YAML: \(error)"))
        }
        for t in export.tables {
            try table(t.name, t.columns)
            for r in t.sqlRows { try row(r) }
        }
    }

    private func isStreamable() throws -> Bool {
        let lines = try LineReader(path: path)
        return lines.next() == "version: 1" && lines.next() == "tables:" && (lines.next()?.hasPrefix("- name: \"") ?? false)
    }

    private func problem(_ line: Int, _ text: String) -> MigrationError {
        .backup(.invalidFile(entry: BackupLayout.controllerYAML, detail: "line \(line): \(text)"))
    }

    private func scanLines(table: (String, [String]) throws -> Void, row: ([SQLValue]) throws -> Void) throws {
        let lines = try LineReader(path: path)
        _ = lines.next()
        _ = lines.next()
        var name: String?
        var columns: [String] = []
        var values: [SQLValue] = []
        var inColumns = false
        func flushRow() throws {
            if !values.isEmpty {
                guard values.count == columns.count else { throw problem(lines.number, "a row of \(name ?? "?") has \(values.count) values for \(columns.count) columns") }
                try row(values)
                values.removeAll(keepingCapacity: true)
            }
        }
        while let line = lines.next() {
            if line.hasPrefix("- name: ") {
                try flushRow()
                name = try unquote(String(line.dropFirst(8)), line: lines.number)
                columns = []
                inColumns = false
            } else if line == "  columns:" || line == "  columns: []" {
                inColumns = line == "  columns:"
            } else if line == "  rows:" || line == "  rows: []" {
                inColumns = false
                guard let name else { throw problem(lines.number, "rows before a table name") }
                try table(name, columns)
            } else if inColumns, line.hasPrefix("  - ") {
                columns.append(try unquote(String(line.dropFirst(4)), line: lines.number))
            } else if line.hasPrefix("  - - ") {
                try flushRow()
                values.append(try value(String(line.dropFirst(6)), line: lines.number))
            } else if line.hasPrefix("    - ") {
                values.append(try value(String(line.dropFirst(6)), line: lines.number))
            } else if !line.isEmpty {
                throw problem(lines.number, "unexpected \"\(line.prefix(40))\"")
            }
        }
        try flushRow()
    }

    private func value(_ text: String, line: Int) throws -> SQLValue {
        guard let colon = text.firstIndex(of: ":") else { throw problem(line, "a value without a type") }
        let kind = text[..<colon]
        let start = text.index(colon, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
        let rest = String(text[start...])
        switch kind {
        case "integer": if let v = Int64(rest) { return .integer(v) }
        case "unixtime": if let v = Int64(rest) { return .unixTime(v) }
        case "float":
            switch rest {
            case ".nan": return .float(.nan)
            case ".inf": return .float(.infinity)
            case "-.inf": return .float(-.infinity)
            default: if let v = Double(rest) { return .float(v) }
            }
        case "text": return .text(try unquote(rest, line: line))
        case "iso8601": return .iso8601(try unquote(rest, line: line))
        case "blob":
            if let data = Data(base64Encoded: try unquote(rest, line: line)) { return .blob([UInt8](data)) }
        case "null": return .null
        case "boolean": if rest == "true" || rest == "false" { return .boolean(rest == "true") }
        default: break
        }
        throw problem(line, "bad value \"\(text.prefix(40))\"")
    }

    /// The inverse of `quoted`.
    private func unquote(_ text: String, line: Int) throws -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 2, scalars.first == "\"", scalars.last == "\"" else { throw problem(line, "expected a quoted string") }
        var out = String.UnicodeScalarView()
        var i = 1
        let end = scalars.count - 1
        while i < end {
            let c = scalars[i]
            guard c == "\\" else { out.append(c); i += 1; continue }
            guard i + 1 < end else { throw problem(line, "a dangling escape") }
            let e = scalars[i + 1]
            switch e {
            case "\"": out.append("\""); i += 2
            case "\\": out.append("\\"); i += 2
            case "n": out.append("\n"); i += 2
            case "t": out.append("\t"); i += 2
            case "r": out.append("\r"); i += 2
            case "x", "u":
                let digits = e == "x" ? 2 : 4
                guard i + 2 + digits <= end, let v = UInt32(String(String.UnicodeScalarView(scalars[(i + 2)..<(i + 2 + digits)])), radix: 16),
                      let scalar = Unicode.Scalar(v) else { throw problem(line, "a bad escape") }
                out.append(scalar)
                i += 2 + digits
            default: throw problem(line, "an unknown escape \\\(e)")
            }
        }
        return String(out)
    }
}

/// Lines of a file, read 1 MiB at a time.
final class LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var head = 0
    private var ended = false
    private(set) var number = 0

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MigrationError.io("cannot read \(path)") }
        self.handle = handle
    }

    deinit { try? handle.close() }

    func next() -> String? {
        while true {
            if let newline = buffer[head...].firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[head..<newline], as: UTF8.self)
                head = newline + 1
                number += 1
                return line
            }
            if ended {
                guard head < buffer.count else { return nil }
                let line = String(decoding: buffer[head...], as: UTF8.self)
                head = buffer.count
                number += 1
                return line
            }
            buffer.removeFirst(head)
            head = 0
            let data = handle.readData(ofLength: 1 << 20)
            if data.isEmpty { ended = true } else { buffer.append(contentsOf: data) }
        }
    }
}
