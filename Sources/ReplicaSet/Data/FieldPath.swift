import BSON

/// A dotted field path such as `"a.b.0.c"`: the same spelling addresses fields of embedded
/// documents and, where a component is a number, elements of arrays.
struct FieldPath: Equatable, Sendable, CustomStringConvertible {
    let components: [String]

    init(_ dotted: String) {
        components = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    init(components: [String]) {
        self.components = components
    }

    var description: String { components.joined(separator: ".") }

    var hasEmptyComponent: Bool { components.contains("") }

    /// True when `self` equals `other` or one is a prefix of the other, i.e. updating both would
    /// touch the same part of a document.
    func overlaps(_ other: FieldPath) -> Bool {
        zip(components, other.components).allSatisfy { $0 == $1 }
    }

    /// The longest common leading part, e.g. "a" for "a.b" and "a.c".
    func commonPrefix(with other: FieldPath) -> FieldPath {
        FieldPath(components: Array(zip(components, other.components).prefix { $0 == $1 }.map(\.0)))
    }
}

/// A path component that addresses an array element: decimal digits only.
func arrayIndex(_ component: String) -> Int? {
    guard !component.isEmpty, component.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
        return nil
    }
    return Int(component)
}

// MARK: - Reading paths the way queries do

extension FieldPath {
    /// What a query sees at this path: one entry per place the path reaches, nil where it is missing.
    /// Arrays along the way are traversed through their document elements (so `"tags.name"`
    /// reaches every element's `name`); a numeric component also selects that element.
    func queryValues(in document: Document) -> [Value?] {
        var found: [Value?] = []
        Self.lookup(document, components[...], into: &found)
        return found
    }

    private static func lookup(_ document: Document, _ path: ArraySlice<String>, into found: inout [Value?]) {
        guard let value = document[path.first!] else {
            found.append(nil)
            return
        }
        descend(value, path.dropFirst(), into: &found)
    }

    private static func descend(_ value: Value, _ path: ArraySlice<String>, into found: inout [Value?]) {
        guard let key = path.first else {
            found.append(value)
            return
        }
        switch value {
        case let .document(document):
            lookup(document, path, into: &found)
        case let .array(elements):
            let index = arrayIndex(key)
            if let index, index < elements.count {
                descend(elements[index], path.dropFirst(), into: &found)
            }
            for case let .document(element) in elements where index == nil || element[key] != nil {
                lookup(element, path, into: &found)
            }
        default:
            // A scalar has no fields: the path is missing here.
            found.append(nil)
        }
    }
}

// MARK: - Reading and writing paths the way updates do

extension FieldPath {
    /// The value at exactly this path (numeric components index arrays), or nil.
    func value(in document: Document) -> Value? {
        var current = Value.document(document)
        for key in components {
            switch current {
            case let .document(inner):
                guard let next = inner[key] else { return nil }
                current = next
            case let .array(elements):
                guard let index = arrayIndex(key), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// Stores `newValue` at this path, creating missing embedded documents on the way (and
    /// padding arrays with nulls up to a numeric index). An existing field keeps its position.
    func set(_ newValue: Value, in document: inout Document) throws(CommandError) {
        try Self.set(newValue, at: components[...], in: &document)
    }

    private static func set(_ newValue: Value, at path: ArraySlice<String>, in document: inout Document) throws(CommandError) {
        let key = path.first!
        guard path.count > 1 else {
            document[key] = newValue
            return
        }
        var child = document[key] ?? .document([:])
        try set(newValue, at: path.dropFirst(), in: &child, named: key)
        document[key] = child
    }

    private static func set(_ newValue: Value, at path: ArraySlice<String>, in value: inout Value, named name: String) throws(CommandError) {
        let key = path.first!
        switch value {
        case var .document(inner):
            try set(newValue, at: path, in: &inner)
            value = .document(inner)
        case var .array(elements):
            guard let index = arrayIndex(key) else { throw cannotCreate(key, in: name, value) }
            if index >= elements.count {
                elements.append(contentsOf: Array(repeating: .null, count: index - elements.count + 1))
                elements[index] = path.count > 1 ? .document([:]) : newValue
            }
            if path.count > 1 {
                try set(newValue, at: path.dropFirst(), in: &elements[index], named: key)
            } else {
                elements[index] = newValue
            }
            value = .array(elements)
        default:
            throw cannotCreate(key, in: name, value)
        }
    }

    private static func cannotCreate(_ key: String, in name: String, _ value: Value) -> CommandError {
        .pathNotViable("Cannot create field '\(key)' in element \(ShellFormat.element(name, value))")
    }

    /// Removes the field at this path; an array element is set to null instead, so the other
    /// elements keep their positions. Returns whether anything was there.
    @discardableResult
    func remove(from document: inout Document) -> Bool {
        Self.remove(at: components[...], from: &document)
    }

    private static func remove(at path: ArraySlice<String>, from document: inout Document) -> Bool {
        let key = path.first!
        guard var child = document[key] else { return false }
        guard path.count > 1 else {
            document[key] = nil
            return true
        }
        let removed = remove(at: path.dropFirst(), from: &child)
        if removed { document[key] = child }
        return removed
    }

    private static func remove(at path: ArraySlice<String>, from value: inout Value) -> Bool {
        switch value {
        case var .document(inner):
            let removed = remove(at: path, from: &inner)
            value = .document(inner)
            return removed
        case var .array(elements):
            guard let index = arrayIndex(path.first!), index < elements.count else { return false }
            let removed: Bool
            if path.count == 1 {
                elements[index] = .null
                removed = true
            } else {
                removed = remove(at: path.dropFirst(), from: &elements[index])
            }
            value = .array(elements)
            return removed
        default:
            return false
        }
    }
}
