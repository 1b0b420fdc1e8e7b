/// Juju's ansiterm tabwriter with padding 2: every cell but the last of its line is padded to
/// its column's widest such cell plus two spaces; right-aligned columns put the fill before
/// the text and the two spaces after it; the last cell of a line is written as is, so it
/// neither pads nor widens its column.
public struct GoTable: Sendable {
    public var rows: [[String]]
    public var rightAligned: Set<Int>
    /// Drops the spaces an empty last cell leaves at the end of a line (quorum's own tables
    /// do; Juju's writer does not).
    public var trimsTrailingSpaces: Bool

    public init(_ rows: [[String]] = [], rightAligned: Set<Int> = [], trimsTrailingSpaces: Bool = false) {
        self.rows = rows
        self.rightAligned = rightAligned
        self.trimsTrailingSpaces = trimsTrailingSpaces
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render() -> String {
        let widths = columnWidths()
        return rows.map { line($0, widths: widths) + "\n" }.joined()
    }

    private func columnWidths() -> [Int] {
        let columns = rows.map(\.count).max() ?? 0
        return (0..<columns).map { c in rows.compactMap { c < $0.count - 1 ? $0[c].count : nil }.max() ?? 0 }
    }

    private func line(_ row: [String], widths: [Int]) -> String {
        var text = row.indices.map { c -> String in
            let cell = row[c]
            if c == row.count - 1 { return cell }
            let fill = String(repeating: " ", count: widths[c] - cell.count)
            return rightAligned.contains(c) ? fill + cell + "  " : cell + fill + "  "
        }.joined()
        if trimsTrailingSpaces {
            while text.hasSuffix(" ") { text.removeLast() }
        }
        return text
    }
}
