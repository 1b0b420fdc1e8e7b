import BSON
import HACore
import ReplicaSet

/// A scenario script is its own golden file: lines starting with `> ` are commands, the lines
/// after each command are what it printed, and `#` lines are comments. Running a script yields
/// the transcript it should contain; a test compares the two, `--rewrite` writes it back.
public struct ScenarioRunner {
    public private(set) var world: World?
    var trace = Trace(recording: false)
    var checker = ReplicaSetChecker()
    /// The last action a timing is measured from, and when it happened.
    var mark: (text: String, at: Instant) = ("start", .zero)
    var client = 0
    /// Record a timeline from the moment the cluster exists.
    public var recordsTimeline = false

    public init() {}

    /// Runs every command of `script` and returns the transcript (comments kept, outputs replaced).
    public static func transcript(of script: String) -> String {
        var runner = ScenarioRunner()
        return runner.transcript(of: script)
    }

    /// Runs the script on this runner, so its world (and timeline) can be read afterwards.
    public mutating func transcript(of script: String) -> String {
        var runner = self
        defer { self = runner }
        var out: [String] = []
        // Any newline ends a line: a script saved with CRLF endings reads the same.
        for line in script.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init) {
            if line.hasPrefix("> ") {
                out.append(line)
                out += runner.run(String(line.dropFirst(2)))
            } else if line.hasPrefix("#") || line.isEmpty {
                out.append(line)
            }
        }
        if let violations = runner.violations, !violations.isEmpty {
            out.append("# invariant violations:")
            out += violations.map { "#   \($0)" }
        }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }

    var violations: [String]? { world == nil ? nil : checker.violations }

    /// Runs one command and returns its output lines.
    mutating func run(_ line: String) -> [String] {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first else { return [] }
        let args = Arguments(words.dropFirst())
        if verb != "cluster", world == nil { return ["error: no cluster yet; start with `cluster members=N`"] }
        switch verb {
        case "cluster": return cluster(args)
        case "initiate": return initiate(args)
        case "wait": return wait(args)
        case "advance": return advance(args)
        case "crash", "stop", "pause", "disk-loss": return fault(verb, args)
        case "start": return start(args)
        case "partition": return partition(args)
        case "heal": return heal()
        case "write": return write(args)
        case "read": return read(args)
        case "states": return states()
        case "rollbacks": return rollbacks(args)
        default: return ["error: unknown command \(verb)"]
        }
    }

    struct Arguments {
        var positional: [String] = []
        var named: [String: String] = [:]

        init<S: Sequence>(_ words: S) where S.Element == String {
            for w in words {
                if let eq = w.firstIndex(of: "=") { named[String(w[..<eq])] = String(w[w.index(after: eq)...]) } else { positional.append(w) }
            }
        }

        func machines(_ text: String?) -> [MachineID] {
            (text ?? "").split(separator: ",").compactMap { MachineID(parsing: String($0)) }
        }

        func interval(_ key: String, _ fallback: Interval) -> Interval { named[key].flatMap(Interval.init(parsing:)) ?? fallback }
    }

    // MARK: commands

    mutating func cluster(_ args: Arguments) -> [String] {
        let count = Int(args.named["members"] ?? "3") ?? 3
        guard (1...50).contains(count) else { return ["error: members must be between 1 and 50 (a replica set's limit)"] }
        let seed = UInt64(args.named["seed"] ?? "1") ?? 1
        var w = World(config: WorldConfig(name: "scenario", flavor: .legacy, seed: Seed(seed), initiateReplicaSet: false), trace: &trace)
        for _ in 1..<count {
            let id = w.addMachine(jobs: [.hostUnits, .manageEnviron])
            w.provision(id, trace: &trace)
        }
        if recordsTimeline { w.startTimeline() }
        _ = w.run(until: { $0.machines.allSatisfy(\.isRunning) }, limit: w.now + .minutes(5), trace: &trace)
        world = w
        return ["machines 0..\(count - 1) started, mongod running on each (\(w.now))"]
    }

    /// `initiate [nonvoting=K,…]`: machine 0 initiates the set with every machine as a member.
    mutating func initiate(_ args: Arguments) -> [String] {
        let nonVoting = Set(args.machines(args.named["nonvoting"]))
        let members = world!.machines.enumerated().map { index, m -> Value in
            var doc: Document = ["_id": .int32(Int32(index + 1)), "host": .string(m.id.mongoHost)]
            if nonVoting.contains(m.id) { doc.append("votes", .int32(0)); doc.append("priority", .int32(0)) }
            return .document(doc)
        }
        let config: Document = ["_id": .string("juju"), "version": .int32(1), "members": .array(members)]
        mark = ("initiate", world!.now)
        return describe(request(to: 0, database: "admin", ["replSetInitiate": .document(config)]))
    }

    /// `wait primary [timeout=D]`: until a writable primary exists; `wait no-primary`; `wait converged`.
    mutating func wait(_ args: Arguments) -> [String] {
        let timeout = args.interval("timeout", .minutes(2))
        let start = world!.now
        let what = args.positional.first ?? "primary"
        let condition: (World) -> Bool
        switch what {
        case "primary": condition = { w in w.members.contains { $0.member?.isWritablePrimary == true } }
        case "no-primary": condition = { w in !w.members.contains { $0.member?.isPrimary == true } }
        case "converged": condition = { $0.replicaSetConverged }
        case "secondary":
            guard let id = args.machines(args.positional.dropFirst().first).first else { return ["error: wait secondary M"] }
            condition = { w in w.member(on: id)?.state == .secondary }
        default: return ["error: wait for primary, no-primary, secondary M or converged"]
        }
        guard step(until: condition, limit: start + timeout) else { return ["no \(what) within \(timeout)"] }
        switch what {
        case "primary":
            let p = world!.members.first { $0.member?.isWritablePrimary == true }!
            return ["primary \(p.machine.tag) term \(p.member!.term), \(world!.now - mark.at) after \(mark.text)"]
        default:
            return ["\(what) after \(world!.now - start)"]
        }
    }

    mutating func advance(_ args: Arguments) -> [String] {
        let d = args.positional.first.flatMap(Interval.init(parsing:)) ?? .zero
        _ = step(until: { _ in false }, limit: world!.now + d)
        return []
    }

    mutating func fault(_ verb: String, _ args: Arguments) -> [String] {
        let mode = FaultMode(rawValue: verb)!
        for id in args.machines(args.positional.first) { world!.inject(mode, into: id, trace: &trace) }
        mark = ("\(verb) \(args.positional.first ?? "")", world!.now)
        return []
    }

    mutating func start(_ args: Arguments) -> [String] {
        for id in args.machines(args.positional.first) { world!.start(id, trace: &trace) }
        return []
    }

    /// `partition 0,1 [from=2,3] [one-way]`.
    mutating func partition(_ args: Arguments) -> [String] {
        let group = args.machines(args.positional.first)
        let others = args.named["from"].map { args.machines($0) } ?? world!.machines.map(\.id).filter { !group.contains($0) }
        world!.partition(group, from: others, oneWay: args.positional.contains("one-way"), trace: &trace)
        mark = ("partition \(args.positional.first ?? "")", world!.now)
        return []
    }

    mutating func heal() -> [String] {
        world!.heal(nil, trace: &trace)
        return []
    }

    /// `write M key=K [w=majority|N] [wtimeout=D]`: inserts `{_id: K}` into `test.ops` through machine M.
    mutating func write(_ args: Arguments) -> [String] {
        guard let target = target(args.positional.first), let key = Int64(args.named["key"] ?? "") else {
            return ["error: write M|primary key=K"]
        }
        let w: Value = args.named["w"].flatMap { Int32($0) }.map(Value.int32) ?? .string(args.named["w"] ?? "majority")
        var concern: Document = ["w": w]
        if let t = args.named["wtimeout"].flatMap(Interval.init(parsing:)) { concern.append("wtimeout", .int64(t.microseconds / 1_000)) }
        let command: Document = ["insert": .string("ops"), "documents": .array([.document(["_id": .int64(key)])]),
                                 "writeConcern": .document(concern)]
        return describe(request(to: target, database: "test", command))
    }

    /// `read M key=K`: looks `{_id: K}` up on machine M (secondary reads allowed).
    mutating func read(_ args: Arguments) -> [String] {
        guard let target = target(args.positional.first), let key = Int64(args.named["key"] ?? "") else {
            return ["error: read M|primary key=K"]
        }
        let find: Document = ["find": .string("ops"), "filter": .document(["_id": .int64(key)])]
        guard let reply = request(to: target, database: "test", find, secondaryOk: true) else { return ["no reply"] }
        if let batch = reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue { return [batch.isEmpty ? "not found" : "found"] }
        return describe(reply)
    }

    /// Every member's own view: state, term, last applied optime's term.
    func states() -> [String] {
        world!.members.map { h in
            guard let m = h.member else { return "\(h.machine.tag) down" }
            return "\(h.machine.tag) \(m.state.stateStr) term \(m.term) oplog \(m.durable.oplog.count)"
        }
    }

    func rollbacks(_ args: Arguments) -> [String] {
        let ids = args.machines(args.positional.first)
        return world!.members.filter { ids.contains($0.machine) }.flatMap { h -> [String] in
            let records = h.durable.rollbacks
            guard !records.isEmpty else { return ["\(h.machine.tag) no rollbacks"] }
            return records.map { r in
                let keys = r.undone.filter { $0.op == .insert }.compactMap { $0.o["_id"]?.int64Value }.map(String.init)
                return "\(h.machine.tag) rolled back \(r.undone.count) entries after \(r.commonPoint); inserts undone: \(keys.joined(separator: ", "))"
            }
        }
    }

    // MARK: plumbing

    /// A machine id, or `primary`: the writable primary, as a driver would find it.
    func target(_ text: String?) -> MachineID? {
        if text == "primary" { return world!.members.first { $0.member?.isWritablePrimary == true }?.machine ?? 0 }
        return text.flatMap { MachineID(parsing: $0) }
    }

    /// Sends a command and runs until its reply arrives (or 30 s pass).
    mutating func request(to target: MachineID, database: String, _ command: Document, secondaryOk: Bool = false) -> Document? {
        var checker = self.checker
        defer { self.checker = checker }
        return world!.call(from: 1, to: target, database: database, command: command, secondaryOk: secondaryOk, trace: &trace) {
            checker.check($0)
        }
    }

    func describe(_ reply: Document?) -> [String] {
        guard let reply else { return ["no reply within 30s"] }
        if reply["ok"]?.doubleValue != 1 {
            return ["error \(reply["code"]?.int64Value ?? 0) \(reply["codeName"]?.stringValue ?? ""): \(reply["errmsg"]?.stringValue ?? "")"]
        }
        if let wce = reply["writeConcernError"]?.documentValue {
            return ["ok n=\(reply["n"]?.int64Value ?? 0) with writeConcernError \(wce["code"]?.int64Value ?? 0) \(wce["codeName"]?.stringValue ?? "")"]
        }
        if let n = reply["n"]?.int64Value { return ["ok n=\(n)"] }
        return ["ok"]
    }

    mutating func step(until condition: (World) -> Bool, limit: Instant) -> Bool {
        ReplicaSetSweep.step(&world!, &checker, until: condition, limit: limit, trace: &trace)
    }
}
