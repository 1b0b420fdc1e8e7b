import HACore

/// The files of a state server that a legacy backup's `root.tar` holds (spec §5.1–§5.2),
/// generated from the environment's seeded secrets. Paths carry no leading `/`.
public struct AgentFiles: Sendable {
    public var parameters: BootstrapParameters
    /// The machine the backup is taken on (Juju's `Origin.Machine`).
    public var machine: String
    /// Its cloud-local address.
    public var address: String
    /// Where its agent finds the state servers' API.
    public var apiAddresses: [String]

    public init(parameters: BootstrapParameters, machine: String, address: String, apiAddresses: [String]) {
        self.parameters = parameters
        self.machine = machine
        self.address = address
        self.apiAddresses = apiAddresses
    }

    private var secrets: BootstrapSecrets { BootstrapSecrets(seed: parameters.seed) }
    private var tag: String { "machine-\(machine)" }
    public static func agentConfPath(machine: String) -> String { "var/lib/juju/agents/machine-\(machine)/agent.conf" }

    /// The files, in the order the 1.21+ `GetFilesToBackUp` lists them (1.20's plugin adds the
    /// upstart jobs); `allMachinesLog` and `machineLog` are the logs' contents.
    public func files(allMachinesLog: String, machineLog: String) -> [(path: String, text: String)] {
        let version = parameters.version
        let tools = "var/lib/juju/tools/\(version)-\(parameters.series)-amd64"
        var files: [(String, String)] = []
        if !version.writesBackupMetadata {
            files.append(("etc/init/juju-db.conf", upstartJujuDB))
            files.append(("etc/init/jujud-\(tag).conf", upstartMachineAgent))
        }
        files += [
            ("\(tools)/downloaded-tools.txt", downloadedTools(tools: tools)),
            ("var/lib/juju/system-identity", secrets.systemIdentity + "\n"),
            ("var/lib/juju/server.pem", secrets.cert + "\n" + secrets.privateKey + "\n"),
            ("var/lib/juju/shared-secret", secrets.sharedSecret),
            (Self.agentConfPath(machine: machine), agentConf),
            ("etc/rsyslog.d/25-juju.conf", rsyslogConf),
            ("var/log/juju/all-machines.log", allMachinesLog),
            ("var/log/juju/\(tag).log", machineLog),
            ("var/lib/juju/nonce.txt", "user-admin:bootstrap\n"),
            ("home/ubuntu/.ssh/authorized_keys", "ssh-rsa \(secrets.systemIdentity.prefix(64)) juju-system-key\n"),
        ]
        return files
    }

    /// `agent.conf` in the 1.18+ format; restore reads `statepassword`, `oldpassword`,
    /// `stateport` and `apiport` from it.
    var agentConf: String {
        let statePassword = BootstrapDocuments.mongoPassword(forMachine: machine, parameters: parameters)
        // Backups are taken on state servers, which run both jobs.
        let jobs = ["JobManageEnviron", "JobHostUnits"]
        var lines = [
            "# format 1.18",
            "tag: \(tag)",
            "datadir: /var/lib/juju",
            "logdir: /var/log/juju",
            "nonce: user-admin:bootstrap",
            "jobs:",
        ] + jobs.map { "- \($0)" } + [
            "upgradedToVersion: \(parameters.version)",
            "cacert: \(secrets.cert)",
            "stateaddresses:",
            "- localhost:\(parameters.statePort)",
            "statepassword: \(statePassword)",
            "oldpassword: \(BootstrapDocuments.oldPassword(parameters))",
            "apiaddresses:",
        ]
        lines += apiAddresses.map { "- \($0)" }
        lines += [
            "apipassword: \(statePassword)",
            "values:",
            "  PROVIDER_TYPE: \(parameters.providerType)",
            "  STORAGE_DIR: /var/lib/juju/storage",
            "stateservercert: \(secrets.cert)",
            "stateserverkey: \(secrets.privateKey)",
            "apiport: \(parameters.apiPort)",
            "stateport: \(parameters.statePort)",
            "sharedsecret: \(secrets.sharedSecret)",
            "systemidentity: \(secrets.systemIdentity)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    private func downloadedTools(tools: String) -> String {
        let version = "\(parameters.version)-\(parameters.series)-amd64"
        return "{\"version\":\"\(version)\",\"url\":\"https://streams.canonical.com/juju/tools/releases/juju-\(version).tgz\",\"sha256\":\"\(secrets.systemIdentity.prefix(64))\",\"size\":7280923}\n"
    }

    private var upstartJujuDB: String {
        """
        description "juju state database"
        author "Juju Team <juju@lists.ubuntu.com>"
        start on runlevel [2345]
        stop on runlevel [!2345]
        respawn
        normal exit 0

        limit nofile 65000 65000
        limit nproc 20000 20000

        exec /usr/lib/juju/bin/mongod --auth --dbpath '/var/lib/juju/db' --sslOnNormalPorts --sslPEMKeyFile '/var/lib/juju/server.pem' --sslPEMKeyPassword ignored --bind_ip 0.0.0.0 --port \(parameters.statePort) --noprealloc --syslog --smallfiles --journal --keyFile '/var/lib/juju/shared-secret' --replSet juju --ipv6 --oplogSize 1024

        """
    }

    private var upstartMachineAgent: String {
        """
        description "juju \(tag) agent"
        author "Juju Team <juju@lists.ubuntu.com>"
        start on runlevel [2345]
        stop on runlevel [!2345]
        respawn
        normal exit 0

        limit nofile 20000 20000

        exec /var/lib/juju/tools/\(tag)/jujud machine --data-dir '/var/lib/juju' --machine-id \(machine) --debug >> /var/log/juju/\(tag).log 2>&1

        """
    }

    private var rsyslogConf: String {
        """
        $ModLoad imuxsock
        $ModLoad imfile

        $InputFilePersistStateInterval 50
        $InputFilePollInterval 5
        $InputFileName /var/log/juju/\(tag).log
        $InputFileTag juju-\(tag):
        $InputFileStateFile \(tag)
        $InputRunFileMonitor

        $template JujuLogFormat,"%syslogtag:6:$%%msg:::drop-last-lf%\\n"
        :syslogtag, startswith, "juju-" /var/log/juju/all-machines.log;JujuLogFormat
        & ~

        """
    }
}

/// What the 1.20 restore plugin reads from the backed-up machine's `agent.conf` (spec §5.4).
public struct AgentCredentials: Equatable, Sendable {
    public var statePassword: String
    public var oldPassword: String
    public var statePort: Int
    public var apiPort: Int

    /// Parses the flat `key: value` lines of `agent.conf`, failing with the plugin's messages.
    public init(agentConf text: String) throws(RestoreRefusal) {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix(" ") && !line.hasPrefix("#") && !line.hasPrefix("-") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " ")
            if values[key] == nil { values[key] = value }
        }
        guard let password = values["statepassword"], !password.isEmpty else { throw RestoreRefusal("agent password not found in configuration") }
        guard let old = values["oldpassword"], !old.isEmpty else { throw RestoreRefusal("agent old password not found in configuration") }
        guard let state = values["stateport"].flatMap(Int.init) else { throw RestoreRefusal("state port not found in configuration") }
        guard let api = values["apiport"].flatMap(Int.init) else { throw RestoreRefusal("api port not found in configuration") }
        statePassword = password
        oldPassword = old
        statePort = state
        apiPort = api
    }
}

/// A restore precondition that failed, in Juju's words.
public struct RestoreRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

private extension Substring {
    func trimmingCharacters(in character: Character) -> String {
        var text = self[...]
        while text.first == character { text.removeFirst() }
        while text.last == character { text.removeLast() }
        return String(text)
    }
}
