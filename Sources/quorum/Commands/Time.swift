import ArgumentParser
import Foundation
import HACore
import Simulation
import Live

/// `quorum wait`: runs the simulation until a condition holds or a duration has passed.
struct Wait: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Let simulated time pass until a condition holds.")

    @OptionGroup var env: EnvironmentOption

    @Option(help: "settled (every machine up and seen alive), primary (the replica set accepts writes) or a duration such as 90s.")
    var until: String = "settled"

    @Option(help: "Give up after this much simulated time.")
    var timeout: Interval = .minutes(10)

    func run() throws {
        if let legacy = try LiveSupport.openLegacy(env.environment) { return try waitLive(legacy.wait) }
        if let live = try LiveSupport.open(env.environment) { return try waitLive(live.wait) }
        var session = try Session(environment: env.environment, writing: true)
        if let duration = Interval(parsing: until) {
            guard duration >= .zero else { throw Failure("cannot wait a negative duration \(until)", code: .usage) }
            session.apply(.advance(duration))
            try session.save()
            return
        }
        guard let condition = WaitCondition(rawValue: until) else {
            throw Failure("unknown condition \"\(until)\"; expected \(WaitCondition.allCases.map(\.rawValue).joined(separator: ", ")) or a duration", code: .usage)
        }
        let outcome = session.apply(.wait(condition, timeout: timeout))
        try session.save()
        switch outcome {
        case .reached(_, let after):
            print("\(condition.rawValue) after \(after)")
        case .timedOut(_, let after):
            throw Failure("not \(condition.rawValue) after \(after)", code: .livenessNotReached)
        default:
            break
        }
    }
}

extension Wait {
    /// Live time is the real clock: `--until DURATION` sleeps (true), a condition does not (false).
    private func sleepsRealTime() throws -> Bool {
        guard let duration = Interval(parsing: until) else { return false }
        guard duration >= .zero else { throw Failure("cannot wait a negative duration \(until)", code: .usage) }
        usleep(UInt32(min(duration.seconds, 3600) * 1_000_000))
        return true
    }

    /// A live environment of either flavor: live time is the real clock, so a duration sleeps
    /// and a condition polls the real cluster through `wait`.
    private func waitLive<Target: RawRepresentable>(_ wait: (Target, Double) throws -> Double) throws where Target.RawValue == String {
        if try sleepsRealTime() { return }
        guard let target = Target(rawValue: until) else {
            throw Failure("unknown condition \"\(until)\"; expected settled, primary, quorum or a duration", code: .usage)
        }
        do {
            let took = try wait(target, timeout.seconds)
            print("\(target.rawValue) after \(Interval(microseconds: Int64(took * 1_000_000)))")
        } catch let error as LiveError {
            throw Failure(error.message, code: .livenessNotReached)
        }
    }
}

/// `quorum advance D`: moves simulated time forward by D.
struct Advance: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Advance simulated time.")

    @OptionGroup var env: EnvironmentOption

    @Argument(help: "How much simulated time passes, e.g. 30s, 2m, 1h30m.")
    var duration: Interval

    func validate() throws {
        guard duration >= .zero else { throw ValidationError("duration must not be negative") }
    }

    func run() throws {
        var session = try Session(environment: env.environment, writing: true)
        session.apply(.advance(duration))
        try session.save()
    }
}
