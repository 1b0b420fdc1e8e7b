/// The path rules shared by the reader and the writer: an entry may only name something
/// below the archive root, so extracting it can never touch a file outside the target.
enum ArchivePath {
    /// The archive root's own entry ("./" in archives made with `tar -C dir .`).
    static let root = "."

    /// Normalises `raw` (drops "./", empty and "." components) or says why it is unsafe.
    /// Any ".." is refused, even one that would stay inside: no legitimate backup needs it,
    /// and refusing is simpler to reason about than resolving.
    static func normalised(_ raw: String) throws(ArchiveError) -> String {
        if raw.isEmpty { throw .invalidEntryPath(entry: raw, problem: "has an empty path") }
        if raw.hasPrefix("/") { throw .absolutePath(entry: raw) }
        let parts = components(raw)
        if parts.contains("..") { throw .escapesArchive(entry: raw) }
        return parts.isEmpty ? root : parts.joined(separator: "/")
    }

    /// Checks a symlink: its target is resolved from the link's own directory and must end
    /// up inside the archive root.
    static func checkSymlink(entry: String, normalisedPath: String, target: String) throws(ArchiveError) {
        guard !target.isEmpty else {
            throw .invalidEntryPath(entry: entry, problem: "is a link with an empty target")
        }
        var directory = components(normalisedPath)
        if !directory.isEmpty { directory.removeLast() }
        guard !target.hasPrefix("/"), resolve(target, from: directory) != nil else {
            throw .linkOutsideArchive(entry: entry, target: target)
        }
    }

    /// Checks a hard link and returns its normalised target. Tar stores hard-link targets
    /// as paths from the archive root, not from the link's directory.
    static func checkHardlink(entry: String, target: String) throws(ArchiveError) -> String {
        guard !target.isEmpty else {
            throw .invalidEntryPath(entry: entry, problem: "is a link with an empty target")
        }
        guard !target.hasPrefix("/"), let resolved = resolve(target, from: []) else {
            throw .linkOutsideArchive(entry: entry, target: target)
        }
        guard !resolved.isEmpty else {
            throw .invalidEntryPath(entry: entry, problem: "is a hard link to the archive root")
        }
        return resolved.joined(separator: "/")
    }

    /// Lexically resolves `relative` from `start`; nil when a ".." climbs above the root.
    private static func resolve(_ relative: String, from start: [Substring]) -> [Substring]? {
        var stack = start
        for part in components(relative) {
            if part == ".." {
                if stack.isEmpty { return nil }
                stack.removeLast()
            } else {
                stack.append(part)
            }
        }
        return stack
    }

    private static func components(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    }
}
