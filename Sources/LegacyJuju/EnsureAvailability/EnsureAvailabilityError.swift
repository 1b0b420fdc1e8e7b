/// Every way `juju ensure-availability` fails, from flag parsing through the API server to the
/// state layer, with Juju's exact message as `description` (the CLI prints `error: <description>`).
public indirect enum EnsureAvailabilityError: Error, Equatable, CustomStringConvertible {
    // gnuflag, while reading the command line.
    case flagNotDefined(String)
    case flagNeedsArgument(String)
    case invalidFlagValue(flag: String, value: String, reason: String)
    case emptyFlag(String)
    /// `-h`/`--help`: Juju prints the command's help instead of running it.
    case helpRequested

    // The command's Init.
    case stateServerCountNotOddClient
    case containerPlacementOnClient
    case unsupportedPlacementOnClient(String)
    case unrecognizedArgs([String])

    // The API server.
    case noVotingMachines
    case machineNotFound(String)

    // The state layer.
    case stateServerCountNotOdd
    case stateServerCountTooLarge(allowed: Int)
    case cannotReduceStateServerCount
    case containerPlacementNotSupported
    case placementMachineNotFound(directive: String, machineID: String)
    case placementMachineIsStateServer(directive: String)
    case unsupportedPlacement(String)
    case noSeriesSpecified
    /// The annotation the state layer puts on anything that fails inside its transaction.
    case failedToCreateStateServerMachines(EnsureAvailabilityError)

    public var description: String {
        flagMessage ?? clientMessage ?? serverMessage
    }

    /// What the CLI writes to stderr.
    public var cliMessage: String { "error: \(description)\n" }

    private var flagMessage: String? {
        switch self {
        case let .flagNotDefined(flag): return "flag provided but not defined: \(flag)"
        case let .flagNeedsArgument(flag): return "flag needs an argument: \(flag)"
        case let .invalidFlagValue(flag, value, reason):
            return "invalid value \(GoSyntax.quote(value)) for flag \(flag): \(reason)"
        case let .emptyFlag(argument): return "empty flag in argument \(GoSyntax.quote(argument))"
        case .helpRequested: return "flag: help requested"
        default: return nil
        }
    }

    private var clientMessage: String? {
        switch self {
        case .stateServerCountNotOddClient: return "must specify a number of state servers odd and non-negative"
        case .containerPlacementOnClient:
            return "ensure-availability cannot be used with container placement directives"
        case let .unsupportedPlacementOnClient(spec):
            return "unsupported ensure-availability placement directive \(GoSyntax.quote(spec))"
        case let .unrecognizedArgs(args): return "unrecognized args: \(GoSyntax.quote(list: args))"
        default: return nil
        }
    }

    private var serverMessage: String {
        switch self {
        case .noVotingMachines: return "internal error, failed to find any voting machines"
        case let .machineNotFound(id): return "machine \(id) not found"
        case .stateServerCountNotOdd: return "number of state servers must be odd and non-negative"
        case let .stateServerCountTooLarge(allowed): return "state server count is too large (allowed \(allowed))"
        case .cannotReduceStateServerCount: return "cannot reduce state server count"
        case .containerPlacementNotSupported: return "container placement directives not supported"
        case let .placementMachineNotFound(directive, machineID):
            return "can't find machine for placement directive \(GoSyntax.quote(directive)): machine \(machineID) not found"
        case let .placementMachineIsStateServer(directive):
            return "machine for placement directive \(GoSyntax.quote(directive)) is already a state server"
        case let .unsupportedPlacement(directive): return "unsupported placement directive \(GoSyntax.quote(directive))"
        case .noSeriesSpecified: return "no series specified"
        case let .failedToCreateStateServerMachines(cause):
            return "failed to create new state server machines: \(cause.description)"
        default: return "" // flag and Init errors are worded by the two functions above
        }
    }
}
