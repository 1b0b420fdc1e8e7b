import BSON

/// A parsed `find` projection: either inclusion (`{a: 1, "b.c": 1}`, keeping `_id` unless
/// `_id: 0`) or exclusion (`{a: 0}`). Output keeps the stored document's field order.
public struct Projection: Sendable, Equatable {
    enum Mode: Sendable { case inclusion, exclusion }

    /// The fields named by the projection, as a tree of path components.
    indirect enum Node: Sendable, Equatable {
        /// The whole field is included (or excluded).
        case whole
        /// Only some subfields are.
        case fields([String: Node])
    }

    let mode: Mode
    let fields: [String: Node]
    let keepsID: Bool

    /// Parses `spec`; an empty projection returns documents unchanged.
    public init(_ spec: Document) throws(CommandError) {
        var mode: Mode?
        var fields: [String: Node] = [:]
        var idFlag: Bool?
        for (key, value) in spec {
            let included = try Self.flag(key, value)
            if key == "_id" {
                idFlag = included
                continue
            }
            let fieldMode: Mode = included ? .inclusion : .exclusion
            if let mode, mode != fieldMode { throw Self.mixing(key, in: mode) }
            mode = fieldMode
            try Self.add(FieldPath(key), to: &fields)
        }
        // `{_id: 0}` alone excludes; `{_id: 1}` alone includes only `_id`.
        self.mode = mode ?? (idFlag == true ? .inclusion : .exclusion)
        self.fields = fields
        self.keepsID = idFlag ?? true
    }

    /// Whether the projection returns documents as stored.
    public var isIdentity: Bool { mode == .exclusion && fields.isEmpty && keepsID }

    public func apply(to document: Document) -> Document {
        var result = Document()
        for (key, value) in document {
            if key == "_id" && fields[key] == nil {
                if keepsID { result.append(key, value) }
                continue
            }
            if let kept = project(value, fields[key]) { result.append(key, kept) }
        }
        return result
    }

    /// The projected value of one field given its node (nil: the field is not in the projection).
    private func project(_ value: Value, _ node: Node?) -> Value? {
        switch (mode, node) {
        case (.inclusion, nil): return nil
        case (.exclusion, nil): return value
        case (.inclusion, .whole): return value
        case (.exclusion, .whole): return nil
        case let (_, .fields(children)): return projectInside(value, children)
        }
    }

    /// A dotted projection reaches into embedded documents and into each document of an array;
    /// scalars there are dropped by inclusion and kept by exclusion.
    private func projectInside(_ value: Value, _ children: [String: Node]) -> Value? {
        switch value {
        case let .document(inner):
            var result = Document()
            for (key, child) in inner {
                if let kept = project(child, children[key]) { result.append(key, kept) }
            }
            return .document(result)
        case let .array(elements):
            return .array(elements.compactMap { projectInside($0, children) })
        default:
            return mode == .inclusion ? nil : value
        }
    }

    private static func flag(_ key: String, _ value: Value) throws(CommandError) -> Bool {
        switch value {
        case .bool, .int32, .int64, .double, .decimal128: return value.isTruthy
        default:
            throw .badValue("Unsupported projection option: \(key): \(ShellFormat.value(value))")
        }
    }

    private static func mixing(_ key: String, in mode: Mode) -> CommandError {
        switch mode {
        case .inclusion: return .location(31254, "Cannot do exclusion on field \(key) in inclusion projection")
        case .exclusion: return .location(31253, "Cannot do inclusion on field \(key) in exclusion projection")
        }
    }

    private static func add(_ path: FieldPath, to fields: inout [String: Node]) throws(CommandError) {
        if path.hasEmptyComponent { throw .badValue("FieldPath field names may not be empty strings.") }
        try add(path.components[...], to: &fields, full: path)
    }

    private static func add(_ path: ArraySlice<String>, to fields: inout [String: Node], full: FieldPath) throws(CommandError) {
        let key = path.first!
        let rest = path.dropFirst()
        switch (fields[key], rest.isEmpty) {
        case (nil, true):
            fields[key] = .whole
        case (nil, false):
            var children: [String: Node] = [:]
            try add(rest, to: &children, full: full)
            fields[key] = .fields(children)
        case (.fields(var children)?, false):
            try add(rest, to: &children, full: full)
            fields[key] = .fields(children)
        default:
            throw .location(31250, "Path collision at \(full)")
        }
    }
}
