/// The fault vocabulary shared by both flavors and both runtimes.
public enum FaultMode: String, Codable, Sendable, CaseIterable {
    /// The process dies at once (SIGKILL): memory is lost, fsynced data survives.
    case crash
    /// A graceful stop (SIGTERM): the agent hands over what it can, then exits.
    case stop
    /// The process is frozen (SIGSTOP): nothing runs, its timers fire late when it resumes.
    case pause
    /// The process dies and its disk is wiped, as when an instance is replaced.
    case diskLoss = "disk-loss"
}

/// What the machine's agent process is doing, as the fault engine sees it.
public enum ProcessState: String, Codable, Sendable {
    /// No process yet: the instance is still being provisioned.
    case none
    case running
    case paused
    case stopped
    case crashed
}
