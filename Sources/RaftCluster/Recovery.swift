/// `dqlite_node_recover_ext` (spec §3.4, §5.5): with the node stopped, a new configuration is
/// written to the end of its log, so the node restarts with exactly that membership. Juju uses
/// it to rebind a loopback-bound bootstrap node and for the back-stop (a lone survivor).
extension RaftDurableState {
    public mutating func recover(_ configuration: RaftConfiguration) {
        log.append(LogEntry(index: log.lastIndex + 1, term: term, payload: .configuration(configuration)))
    }
}
