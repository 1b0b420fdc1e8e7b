import BSON

/// BSON sizes, which bound cursor batches as mongod bounds them.
enum BSONSize {
    /// The encoded size of a document: length, elements, terminator.
    static func of(_ document: Document) -> Int {
        document.reduce(5) { $0 + 2 + $1.key.utf8.count + of($1.value) }
    }

    /// The encoded size of a value, without its type byte and key.
    static func of(_ value: Value) -> Int {
        switch value {
        case .double, .int64, .datetime, .timestamp: return 8
        case .int32: return 4
        case .decimal128: return 16
        case .objectID: return 12
        case .bool: return 1
        case .undefined, .null, .minKey, .maxKey: return 0
        case let .string(text), let .javascript(text), let .symbol(text): return 5 + text.utf8.count
        case let .document(document): return of(document)
        case let .array(elements):
            return elements.enumerated().reduce(5) { $0 + 2 + String($1.offset).utf8.count + of($1.element) }
        case let .binary(binary): return 5 + binary.data.count + (binary.subtype == Binary.Subtype.oldBinary ? 4 : 0)
        case let .regex(regex): return regex.pattern.utf8.count + regex.options.utf8.count + 2
        case let .dbPointer(pointer): return 5 + pointer.namespace.utf8.count + 12
        case let .javascriptWithScope(code, scope): return 4 + 5 + code.utf8.count + of(scope)
        }
    }
}
