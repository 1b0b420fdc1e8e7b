/// A struct field with its `yaml:` and `json:` names; `nil` leaves it out of that format
/// (`json:"-"`). Omitted-when-empty fields are simply not built.
public struct GoField: Sendable {
    public var yaml: String?
    public var json: String?
    public var value: GoValue

    public init(_ name: String, _ value: GoValue) { self.init(yaml: name, json: name, value) }
    public init(yaml: String?, json: String?, _ value: GoValue) {
        self.yaml = yaml
        self.json = json
        self.value = value
    }
}

/// A document as Juju's Go types would marshal it. Struct fields keep their declared order;
/// Go maps are sorted when written, each encoder its own way, so nothing depends on hashing.
public indirect enum GoValue: Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    /// A `[]string` tagged `yaml:",flow"`: `["0", "1"]` on one line.
    case flowStrings([String])
    /// A slice in block style: one `- item` line (or block) per element.
    case list([GoValue])
    case fields([GoField])
    case map([(String, GoValue)])

    /// A struct whose yaml and json names agree, in declared order.
    public static func object(_ entries: [(String, GoValue)]) -> GoValue {
        .fields(entries.map { GoField($0.0, $0.1) })
    }
}

/// The encoder a value is written for: field names and map order depend on it.
enum GoFormat {
    case yaml, json
}

/// A value with its keys named and ordered for one encoder.
indirect enum GoNode {
    /// A string, int, bool or flow sequence: written on the line of its key.
    case scalar(GoValue)
    case mapping([(String, GoNode)])
    case sequence([GoNode])
}

extension GoValue {
    func node(for format: GoFormat) -> GoNode {
        switch self {
        case .fields(let fields):
            return .mapping(fields.compactMap { field in
                (format == .yaml ? field.yaml : field.json).map { ($0, field.value.node(for: format)) }
            })
        case .map(let entries):
            let less = format == .yaml ? goYAMLKeyLess : goJSONKeyLess
            return .mapping(entries.sorted { less($0.0, $1.0) }.map { ($0.0, $0.1.node(for: format)) })
        case .list(let items):
            return .sequence(items.map { $0.node(for: format) })
        case .string, .int, .bool, .flowStrings:
            return .scalar(self)
        }
    }
}

/// go-yaml v2 sorts map keys "naturally": runs of digits compare as numbers (`"2"` < `"10"`).
func goYAMLKeyLess(_ a: String, _ b: String) -> Bool {
    var x = Substring(a), y = Substring(b)
    while let cx = x.first, let cy = y.first {
        if isASCIIDigit(cx) && isASCIIDigit(cy) {
            let nx = x.prefix(while: isASCIIDigit), ny = y.prefix(while: isASCIIDigit)
            if let order = compareDigitRuns(nx, ny) { return order }
            x = x.dropFirst(nx.count)
            y = y.dropFirst(ny.count)
        } else {
            if cx != cy { return cx < cy }
            x = x.dropFirst()
            y = y.dropFirst()
        }
    }
    return x.isEmpty && !y.isEmpty
}

/// Numeric order of two digit runs, leading zeros ignored; nil when equal.
private func compareDigitRuns(_ a: Substring, _ b: Substring) -> Bool? {
    let ta = a.drop { $0 == "0" }, tb = b.drop { $0 == "0" }
    if ta.count != tb.count { return ta.count < tb.count }
    return ta == tb ? nil : ta < tb
}

/// `encoding/json` sorts map keys bytewise.
func goJSONKeyLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

func isASCIIDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
