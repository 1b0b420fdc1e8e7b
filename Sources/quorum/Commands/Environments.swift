import ArgumentParser
import Foundation
import HACore
import Simulation
import Live

/// `quorum environments`: every environment in $QUORUM_HOME, the current one marked `*`.
struct Environments: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List environments.")

    func run() throws {
        let home = QuorumHome.resolve()
        let names = home.environmentNames()
        guard !names.isEmpty else {
            StandardError.write("No environments. Create one with `quorum bootstrap NAME`.\n")
            return
        }
        let current = home.current
        var table = GoTable([["Environment", "Flavor", "Runtime", "Version", "Machines", "Clock"]], rightAligned: [4], trimsTrailingSpaces: true)
        for name in names {
            let label = name + (name == current ? "*" : "")
            if LiveLegacyEnvironment.exists(directory: home.directory(of: name)) {
                guard let env = try? LiveLegacyEnvironment(directory: home.directory(of: name)) else {
                    table.add([label, "(corrupted)", "-", "-", "-", "-"])
                    continue
                }
                table.add([label, "legacy", "live", env.state.agentVersion, String(env.machines.count), "wall"])
                continue
            }
            if LiveEnvironment.exists(directory: home.directory(of: name)) {
                guard let env = try? LiveEnvironment(directory: home.directory(of: name)) else {
                    table.add([label, "(corrupted)", "-", "-", "-", "-"])
                    continue
                }
                table.add([label, env.state.flavor, "live", env.state.agentVersion, String(env.activeMachines.count), "wall"])
                continue
            }
            guard let snapshot = try? EnvironmentFiles(directory: home.directory(of: name)).load(name: name) else {
                table.add([label, "(corrupted)", "-", "-", "-", "-"])
                continue
            }
            let world = snapshot.world
            table.add([label, world.config.flavor.rawValue, snapshot.runtime.rawValue, world.config.agentVersion,
                       String(world.machines.count), snapshot.clock.rawValue])
        }
        print(table.render(), terminator: "")
    }
}

/// `quorum switch NAME`: makes NAME the current environment; prints `old -> new` as Juju does.
struct Switch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Select the current environment.")

    @Argument(help: "Environment to switch to.")
    var name: String

    func run() throws {
        let home = QuorumHome.resolve()
        guard home.environmentNames().contains(name) else {
            throw Failure("environment \"\(name)\" not found")
        }
        let lock = try FileLock(home.lockFile, what: "quorum home \(home.path)")
        let previous = home.current
        try home.setCurrent(name)
        withExtendedLifetime(lock) {}
        print("\(previous ?? "(none)") -> \(name)")
    }
}

/// `quorum destroy-environment NAME`: removes the environment and everything in it.
struct DestroyEnvironment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy-environment", abstract: "Destroy an environment and all its machines.")

    @Argument(help: "Environment to destroy.")
    var name: String

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "Do not ask for confirmation.")
    var yes = false

    func run() throws {
        let home = QuorumHome.resolve()
        let directory = home.directory(of: name)
        let legacyLive = LiveLegacyEnvironment.exists(directory: directory)
        let live = LiveEnvironment.exists(directory: directory) || legacyLive
        guard live || FileSystem.exists(directory + "/" + EnvironmentFiles.snapshotName) else {
            throw Failure("environment \"\(name)\" not found")
        }
        if !yes { try confirm(type: live ? "live" : "sim") }
        let homeLock = try FileLock(home.lockFile, what: "quorum home \(home.path)")
        let envLock = try FileLock(directory + "/.lock", what: "environment \"\(name)\"")
        if legacyLive {
            try LiveSupport.run { try LiveLegacyEnvironment(directory: directory) }.stopAgents()
        } else if live {
            // Every agent process this environment started is stopped (SIGTERM, then SIGKILL).
            try LiveSupport.run { try LiveEnvironment(directory: directory) }.stopAgents()
        }
        // Rename first so a crash mid-removal leaves no half environment under the real name.
        let doomed = home.path + "/.destroying-\(name)-\(getpid())"
        guard rename(directory, doomed) == 0 else { throw Failure("cannot remove \(directory): \(String(cString: strerror(errno)))") }
        try FileSystem.remove(doomed)
        if home.current == name { try home.setCurrent(nil) }
        withExtendedLifetime((homeLock, envLock)) {}
    }

    /// Juju 1.x's confirmation prompt.
    private func confirm(type: String) throws {
        StandardError.write("""
        WARNING! this command will destroy the "\(name)" environment (type: \(type))
        This includes all machines, services, data and other resources.

        Continue [y/N]? 
        """)
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else { throw Failure("environment destruction aborted") }
    }
}
