import BSON
import HACore

/// One line of a Juju agent's log as the `logs` database stores it (1.24+: `t` time, `e`
/// environment, `n` entity, `m` module, `l` location, `v` loggo level, `x` message) and as
/// `debug-log` and `all-machines.log` print it.
public struct LogLine: Equatable, Sendable {
    /// loggo's levels, numbered as `loggo.Level`.
    public enum Level: Int32, CaseIterable, Sendable {
        case trace = 1, debug, info, warning, error, critical

        public var name: String {
            switch self {
            case .trace: return "TRACE"
            case .debug: return "DEBUG"
            case .info: return "INFO"
            case .warning: return "WARNING"
            case .error: return "ERROR"
            case .critical: return "CRITICAL"
            }
        }

        public init?(name: String) {
            guard let level = Level.allCases.first(where: { $0.name == name.uppercased() }) else { return nil }
            self = level
        }
    }

    /// Unix milliseconds.
    public var time: Int64
    public var entity: String
    public var module: String
    public var location: String
    public var level: Level
    public var message: String

    public init(time: Int64, entity: String, module: String, location: String, level: Level, message: String) {
        self.time = time
        self.entity = entity
        self.module = module
        self.location = location
        self.level = level
        self.message = message
    }

    public init?(document: Document) {
        guard case .datetime(let t)? = document["t"], let entity = document["n"]?.stringValue,
              let level = document["v"]?.int64Value.flatMap({ Level(rawValue: Int32($0)) }),
              let message = document["x"]?.stringValue else { return nil }
        self.init(time: t, entity: entity, module: document["m"]?.stringValue ?? "", location: document["l"]?.stringValue ?? "",
                  level: level, message: message)
    }

    /// `machine-0: 2014-06-05 20:26:40 INFO juju.cmd.jujud machine.go:419 machine agent started`.
    public var formatted: String {
        "\(entity): \(CivilTime(unixMicroseconds: time * 1_000).dateTime()) \(level.name) \(module) \(location) \(message)"
    }
}
