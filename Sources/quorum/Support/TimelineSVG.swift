import Foundation
import HACore
import Simulation

/// Draws a `Timeline` as a standalone SVG: one lane per machine over simulated time, coloured
/// by what its member was (primary/leader, secondary/voter, stand-by, down, paused …), with
/// faults, restarts, partitions, elections and configuration changes marked where they
/// happened. The same timeline always gives the same bytes.
struct TimelineSVG {
    let timeline: Timeline
    let title: String

    private let width = 1200.0
    private let left = 120.0
    private let right = 30.0
    private let top = 70.0
    private let laneHeight = 34.0
    private let barHeight = 18.0

    private var plotWidth: Double { width - left - right }
    private var lanesHeight: Double { Double(max(timeline.lanes.count, 1)) * laneHeight }
    private var duration: Double { max(Double(timeline.end.microseconds) / 1e6, 1) }

    static func colour(_ state: LaneState) -> String {
        switch state {
        case .primary, .leader: return "#1b7f3b"
        case .secondary, .voter: return "#74c476"
        case .standBy: return "#9ecae1"
        case .spare: return "#d9d9d9"
        case .catchingUp, .candidate: return "#fdae6b"
        case .rollback: return "#e6550d"
        case .paused: return "#ffd92f"
        case .down: return "#636363"
        case .none: return "#f7f7f7"
        }
    }

    static func colour(_ kind: TimelineMark.Kind) -> String {
        switch kind {
        case .fault: return "#d62728"
        case .restart: return "#2ca02c"
        case .partition: return "#ff7f0e"
        case .heal: return "#17becf"
        case .election: return "#000000"
        case .configuration: return "#9467bd"
        }
    }

    private func x(_ time: Instant) -> Double { left + Double(time.microseconds) / 1e6 / duration * plotWidth }

    private func laneY(_ id: MachineID) -> Double {
        top + Double(timeline.lanes.firstIndex(of: id) ?? 0) * laneHeight
    }

    func render() -> String {
        let legendTop = top + lanesHeight + 50
        let height = legendTop + 60
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" viewBox="0 0 \(n(width)) \(n(height))" font-family="sans-serif" font-size="12">
            <rect x="0" y="0" width="\(n(width))" height="\(n(height))" fill="#ffffff"/>
            <text x="\(n(left))" y="28" font-size="16" font-weight="bold">\(escape(title))</text>
            <text x="\(n(left))" y="48" fill="#555555">simulated time 0s – \(timeline.end) · \(timeline.lanes.count) machines · \(timeline.marks.count) events</text>

            """
        svg += axis()
        for id in timeline.lanes {
            svg += "<text x=\"\(n(left - 10))\" y=\"\(n(laneY(id) + laneHeight / 2 + 4))\" text-anchor=\"end\">machine \(id)</text>\n"
        }
        for segment in timeline.closedSegments {
            let y = laneY(segment.machine) + (laneHeight - barHeight) / 2
            let width = max(x(segment.end) - x(segment.start), 0.5)
            svg += "<rect x=\"\(n(x(segment.start)))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(barHeight))\" fill=\"\(Self.colour(segment.state))\">"
                + "<title>machine \(segment.machine) \(segment.state.rawValue) \(segment.start) – \(segment.end)</title></rect>\n"
        }
        for mark in timeline.marks { svg += draw(mark) }
        svg += legend(top: legendTop)
        return svg + "</svg>\n"
    }

    private func axis() -> String {
        let bottom = top + lanesHeight
        var out = "<line x1=\"\(n(left))\" y1=\"\(n(bottom))\" x2=\"\(n(left + plotWidth))\" y2=\"\(n(bottom))\" stroke=\"#000000\"/>\n"
        let step = Self.tickStep(for: duration)
        var t = 0.0
        while t <= duration + 1e-9 {
            let px = left + t / duration * plotWidth
            out += "<line x1=\"\(n(px))\" y1=\"\(n(top))\" x2=\"\(n(px))\" y2=\"\(n(bottom + 5))\" stroke=\"#e0e0e0\"/>\n"
            out += "<text x=\"\(n(px))\" y=\"\(n(bottom + 20))\" text-anchor=\"middle\" fill=\"#333333\">\(Interval.seconds(Int64(t)))</text>\n"
            t += step
        }
        return out
    }

    /// A round tick interval giving at most about a dozen ticks.
    static func tickStep(for seconds: Double) -> Double {
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400]
        return steps.first { seconds / $0 <= 12 } ?? 86400
    }

    private func draw(_ mark: TimelineMark) -> String {
        let px = x(mark.at)
        let colour = Self.colour(mark.kind)
        let tip = "<title>\(mark.at) \(mark.kind.rawValue)\(mark.machine.map { " machine \($0)" } ?? ""): \(escape(mark.label))</title>"
        switch (mark.kind, mark.machine) {
        case (.election, let id?):
            let cy = laneY(id) + laneHeight / 2
            return "<circle cx=\"\(n(px))\" cy=\"\(n(cy))\" r=\"5\" fill=\"#ffffff\" stroke=\"\(colour)\" stroke-width=\"2\">\(tip)</circle>\n"
        case (_, let id?):
            // A triangle above the lane: down for a fault, up for a restart.
            let yTop = laneY(id) + 1
            let points = mark.kind == .fault
                ? "\(n(px - 5)),\(n(yTop)) \(n(px + 5)),\(n(yTop)) \(n(px)),\(n(yTop + 8))"
                : "\(n(px)),\(n(yTop)) \(n(px - 5)),\(n(yTop + 8)) \(n(px + 5)),\(n(yTop + 8))"
            return "<polygon points=\"\(points)\" fill=\"\(colour)\">\(tip)</polygon>\n"
        case (_, nil):
            let dash = mark.kind == .configuration ? "2,2" : "6,3"
            return "<line x1=\"\(n(px))\" y1=\"\(n(top - 6))\" x2=\"\(n(px))\" y2=\"\(n(top + lanesHeight))\" stroke=\"\(colour)\" stroke-width=\"1.5\" stroke-dasharray=\"\(dash)\">\(tip)</line>\n"
        }
    }

    private func legend(top legendTop: Double) -> String {
        var out = ""
        var px = left
        let states = LaneState.allCases.filter { state in timeline.closedSegments.contains { $0.state == state } }
        for state in states {
            out += "<rect x=\"\(n(px))\" y=\"\(n(legendTop))\" width=\"14\" height=\"14\" fill=\"\(Self.colour(state))\" stroke=\"#999999\"/>"
                + "<text x=\"\(n(px + 18))\" y=\"\(n(legendTop + 11))\">\(state.rawValue)</text>\n"
            px += 30 + Double(state.rawValue.count) * 7
        }
        px = left
        for kind in TimelineMark.Kind.allCases where timeline.marks.contains(where: { $0.kind == kind }) {
            out += "<rect x=\"\(n(px))\" y=\"\(n(legendTop + 26))\" width=\"14\" height=\"4\" fill=\"\(Self.colour(kind))\"/>"
                + "<text x=\"\(n(px + 18))\" y=\"\(n(legendTop + 33))\">\(kind.rawValue)</text>\n"
            px += 30 + Double(kind.rawValue.count) * 7
        }
        return out
    }

    /// Two decimals at most, no trailing zeros: stable text for the same numbers.
    private func n(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
