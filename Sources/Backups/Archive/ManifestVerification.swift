extension Manifest {
    /// Compares the manifest with what was actually read from the archive and lists every
    /// difference as a sentence; empty means the archive matches. The manifest's own entry
    /// is ignored, since it cannot list itself.
    public func verify(against observed: [ManifestEntry]) -> [String] {
        var problems: [String] = []
        var observedByPath: [String: ManifestEntry] = [:]
        for entry in observed where entry.path != Self.archivePath {
            if observedByPath.updateValue(entry, forKey: entry.path) != nil {
                problems.append("duplicate entry \(ArchiveText.quoted(entry.path)) in the archive")
            }
        }
        let listed = Set(entries.map(\.path))
        for expected in entries {
            guard let actual = observedByPath[expected.path] else {
                problems.append("missing entry \(ArchiveText.quoted(expected.path)): listed in the manifest but not in the archive")
                continue
            }
            problems += mismatches(expected: expected, actual: actual)
        }
        // Archive order, not dictionary order, so the report is the same on every run.
        for entry in observed where entry.path != Self.archivePath && !listed.contains(entry.path) {
            problems.append("unexpected entry \(ArchiveText.quoted(entry.path)): in the archive but not listed in the manifest")
        }
        return problems
    }

    private func mismatches(expected: ManifestEntry, actual: ManifestEntry) -> [String] {
        if expected.size != actual.size {
            return ["size mismatch for \(ArchiveText.quoted(expected.path)): manifest says \(expected.size) bytes, archive has \(actual.size)"]
        }
        if expected.sha256 != actual.sha256 {
            return ["checksum mismatch for \(ArchiveText.quoted(expected.path)): manifest says sha256 \(expected.sha256), archive has \(actual.sha256)"]
        }
        return []
    }
}
