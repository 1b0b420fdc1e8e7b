import HACore

/// The trace of a run: one line per notable event, `HH:MM:SS.ffffff #event text`.
/// Two runs with the same seed and inputs produce the same lines, byte for byte.
public struct Trace: Sendable {
    public private(set) var lines: [String] = []
    /// When false nothing is kept (seed sweeps that only want a verdict).
    public var isRecording: Bool

    public init(recording: Bool = true) { isRecording = recording }

    /// The text is only built when recording: sweeps pay nothing for the trace.
    public mutating func append(at time: Instant, seq: UInt64, _ text: @autoclosure () -> String) {
        guard isRecording else { return }
        lines.append("\(time) #\(seq) \(text())")
    }

    public var text: String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }
}
