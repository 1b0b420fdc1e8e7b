import Glibc

/// A seed whose run trips a model's own precondition kills the sweep; this names the seed
/// first. Each worker notes the seed it runs in memory set aside beforehand, and handlers for
/// the signals a trap raises write `seed N: CRASHED` and the replay command to stderr, then
/// hand the signal back to the handler they replaced (Swift's backtracer), so the trap still
/// ends the process with its backtrace.
enum SeedCrashReport {
    private static let workers = 64
    private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE]
    /// What a handler reads; written before the handlers are installed or by the worker itself.
    nonisolated(unsafe) private static var threads = UnsafeMutablePointer<pthread_t>.allocate(capacity: workers)
    nonisolated(unsafe) private static var seeds = UnsafeMutablePointer<UInt64>.allocate(capacity: workers)
    nonisolated(unsafe) private static var running = UnsafeMutablePointer<Bool>.allocate(capacity: workers)
    nonisolated(unsafe) private static var replay: (prefix: UnsafeMutablePointer<CChar>, count: Int) = (.allocate(capacity: 1), 0)
    nonisolated(unsafe) private static var previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 64)
    nonisolated(unsafe) private static var installed = false

    /// Installs the handlers; `replayCommand` is the command line that replays a seed, up to
    /// and without the seed itself.
    static func install(replayCommand: String) {
        guard !installed else { return }
        installed = true
        running.initialize(repeating: false, count: workers)
        let bytes = Array(replayCommand.utf8CString.dropLast())
        replay = (.allocate(capacity: bytes.count), bytes.count)
        replay.prefix.initialize(from: bytes, count: bytes.count)
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in SeedCrashReport.report(signal) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_ONSTACK   // a stack overflow leaves no room on the thread's own stack
            sigaction(signal, &action, previous + Int(signal))
        }
    }

    /// Worker `worker` starts running `seed` on this thread.
    static func enter(worker: Int, seed: UInt64) {
        guard installed, worker < workers else { return }
        threads[worker] = pthread_self()
        seeds[worker] = seed
        running[worker] = true
    }

    static func leave(worker: Int) {
        guard installed, worker < workers else { return }
        running[worker] = false
    }

    /// In the handler: only `write`, and memory set aside at install time.
    private static func report(_ signal: Int32) {
        let me = pthread_self()
        for i in 0..<workers where running[i] && pthread_equal(threads[i], me) != 0 {
            write("seed ")
            write(seeds[i])
            write(": CRASHED (signal ")
            write(UInt64(signal))
            write(")\n  replay: ")
            _ = Glibc.write(2, replay.prefix, replay.count)
            write(seeds[i])
            write("\n")
        }
        // Back to the replaced handler; the trapping instruction runs again and reaches it.
        sigaction(signal, previous + Int(signal), nil)
    }

    private static func write(_ text: StaticString) {
        _ = Glibc.write(2, text.utf8Start, text.utf8CodeUnitCount)
    }

    private static func write(_ value: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var n = value
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            _ = Glibc.write(2, buffer.baseAddress! + start, buffer.count - start)
        }
    }
}
