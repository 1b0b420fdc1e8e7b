#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Starting, signalling and watching detached agent processes by their pid files.
public enum Supervisor {
    /// This executable (the agent is `quorum agent …`).
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Starts `executable arguments` in its own session, stdin from /dev/null and
    /// stdout/stderr appended to `logFile`; returns its pid. It outlives the caller.
    public static func spawnDetached(executable: String, arguments: [String], logFile: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new session: a terminal's ^C or the caller's exit does not reach the agent.
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(0x80 /* POSIX_SPAWN_SETSID (GNU) */ | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw SocketError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Blocks SIGTERM and SIGINT in this thread and every thread started after it (libdqlite's
    /// and NIO's included), so the agent takes them with `sigwait` on the set returned.
    public static func blockStopSignals() -> sigset_t {
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        return stopSignals
    }

    /// An agent log line on stderr (the log file): time, machine, message.
    public static func agentLog(machine: Int, _ message: String) {
        let stamp = ISO8601DateFormatter()
        stamp.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        FileHandle.standardError.write(Data("\(stamp.string(from: Date())) machine-\(machine) \(message)\n".utf8))
    }

    /// Closes every descriptor above stderr that this process inherited (its parent's lock files,
    /// a test runner's pipes): an agent outlives the command that started it and must hold none.
    public static func closeInheritedDescriptors() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in entries.compactMap(Int32.init) where fd > 2 {
            // The runtime's own event descriptors (epoll, eventfd) are anonymous inodes: keep them.
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) ?? ""
            if !target.hasPrefix("anon_inode:") { Glibc.close(fd) }
        }
    }

    /// Whether `pid` runs (not a zombie) and is a quorum agent.
    public static func isAgentAlive(_ pid: pid_t) -> Bool {
        guard pid > 0, Glibc.kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].first
        if state == "Z" || state == "X" { return false }
        let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
        return String(decoding: cmdline, as: UTF8.self).split(separator: "\0").contains("agent")
    }

    /// Whether `pid` is stopped by SIGSTOP.
    public static func isStopped(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)...].first == "T"
    }

    public static func readPid(_ path: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public static func signal(_ pid: pid_t, _ sig: Int32) {
        guard isAgentAlive(pid) else { return }
        Glibc.kill(pid, sig)
    }

    /// SIGTERM, then SIGKILL once `grace` seconds have passed; waits until every one is gone.
    public static func stop(_ pids: [pid_t], grace: Double) {
        let live = pids.filter(isAgentAlive)
        for pid in live {
            Glibc.kill(pid, SIGCONT)
            Glibc.kill(pid, SIGTERM)
        }
        let deadline = monotonicSeconds() + grace
        while monotonicSeconds() < deadline, live.contains(where: isAgentAlive) { usleep(50_000) }
        kill(pids: live)
    }

    /// SIGKILL and wait (bounded) until gone.
    public static func kill(pids: [pid_t]) {
        let live = pids.filter(isAgentAlive)
        for pid in live { Glibc.kill(pid, SIGKILL) }
        let deadline = monotonicSeconds() + 5
        while monotonicSeconds() < deadline, live.contains(where: isAgentAlive) {
            for pid in live { _ = waitpid(pid, nil, WNOHANG) }
            usleep(20_000)
        }
    }
}
