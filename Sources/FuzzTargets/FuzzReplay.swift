import Foundation

/// Replays stored inputs through a fuzz target outside libFuzzer: each file, or every file of
/// each directory in name order, with its verdict on stdout.
public enum FuzzReplay {
    public static func run(_ target: (UnsafeRawBufferPointer) -> FuzzVerdict, arguments: [String]) {
        guard !arguments.isEmpty else {
            FileHandle.standardError.write(Data("usage: quorum-fuzz TARGET FILE|DIR…\n".utf8))
            exit(2)
        }
        for path in files(arguments) {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("error: cannot read \(path)\n".utf8))
                exit(1)
            }
            let verdict = data.withUnsafeBytes { target($0) }
            switch verdict {
            case .accepted: print("\(path): accepted")
            case .rejected(let why): print("\(path): rejected (\(why.prefix(120)))")
            }
        }
    }

    static func files(_ arguments: [String]) -> [String] {
        arguments.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
        }
    }
}
