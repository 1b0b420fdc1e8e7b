/// A config's `(version, term)`: configs are ordered by term, then version. A term of -1 (unset, or
/// written by a force reconfig) makes the comparison use versions alone, which is how a force
/// reconfig with a higher version overrides configs written in any term.
public struct ConfigVersionAndTerm: Sendable, Comparable, Codable, CustomStringConvertible {
    public var version: Int
    public var term: Term

    public init(version: Int, term: Term) {
        self.version = version
        self.term = term
    }

    private static func eitherTermUnset(_ a: Self, _ b: Self) -> Bool {
        a.term == ReplSetConfig.uninitializedTerm || b.term == ReplSetConfig.uninitializedTerm
    }

    public static func == (a: Self, b: Self) -> Bool {
        if eitherTermUnset(a, b) { return a.version == b.version }
        return (a.term, a.version) == (b.term, b.version)
    }

    public static func < (a: Self, b: Self) -> Bool {
        if eitherTermUnset(a, b) { return a.version < b.version }
        return (a.term, a.version) < (b.term, b.version)
    }

    /// `{version: 2, term: 1}`, as mongod prints it in its messages.
    public var description: String { "{version: \(version), term: \(term)}" }
}
