#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Progress of a long migration on a terminal: one line on stderr, rewritten in place with
/// documents/s, MB/s and the time left. Silent when stderr is not a terminal (piped, in tests).
public final class MigrationProgress {
    private let total: Int64
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false
    private let enabled: Bool

    /// `totalBytes`: the input archive's size, against which `consumed` measures progress.
    public init(totalBytes: Int64, enabled: Bool = isatty(2) == 1) {
        total = max(totalBytes, 1)
        self.enabled = enabled
    }

    /// At most a few redraws a second.
    func update(phase: String, documents: Int, bytes: Int, consumed: Int64) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.25 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let fraction = min(max(Double(consumed) / Double(total), 0), 1)
        let eta = fraction > 0.001 ? elapsed * (1 - fraction) / fraction : 0
        let line = String(format: "%@: %d documents, %.0f documents/s, %.1f MB/s, %3.0f%%, ETA %@",
                          phase, documents, Double(documents) / elapsed, Double(bytes) / elapsed / 1e6, fraction * 100,
                          Self.duration(eta))
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        drawn = true
    }

    /// Clears the progress line.
    func finish() {
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\((s % 3600) / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
