import Evidence
import Foundation

/// What one container's evidence holds, keyed so that two snapshots (or two
/// replicas) can be compared item by item, with the noise left out:
///
/// - processes are known by their executable's file name and argv, never by
///   pid (the exe's directory is left out: the path the kernel shows depends
///   on the reader's mount namespace and the node's runtime directory, so it
///   differs between replicas of one image);
/// - the evidence container's own processes (its shell, and any process in
///   its mount namespace or below its shell) and kernel threads are left out,
///   with the sockets only they hold;
/// - connections are known by their far end and owner for outbound ones, and
///   by the local listening port and the peer's address for inbound ones, so
///   ephemeral client ports never count; sockets in TIME_WAIT and the other
///   closing states are left out (they come and go by the second);
/// - anomalies of the namespaces and of the socket tables (hints left out)
///   are known by their kind and the processes concerned, never by line
///   numbers or inodes.
public struct ContainerFeatures: Sendable, Equatable {
    public var processes: [String: DiffItem] = [:]
    public var listeners: [String: DiffItem] = [:]
    public var connections: [String: DiffItem] = [:]
    public var anomalies: [String: DiffItem] = [:]
    /// The container's namespace ids (its first process's), by type.
    public var namespaceIDs: [String: UInt64] = [:]

    /// TCP states of a connection that is (or is being) established.
    static let liveStates: Set<String> = ["ESTABLISHED", "SYN_SENT", "SYN_RECV", "CLOSE_WAIT"]
    /// The namespace types compared (the `*_for_children` links follow from these).
    static let namespaceTypes: Set<String> = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"]

    public init(_ evidence: Snapshot.ContainerEvidence, options: DiffOptions = DiffOptions()) {
        let table = evidence.processes
        let byPid = Dictionary(table.processes.map { ($0.pid, $0) }, uniquingKeysWith: { a, _ in a })
        let evidenceMnt = evidence.namespaces.evidenceContainer?.namespaces["mnt"]
        let containerMnt = evidence.namespaces.container?.namespaces["mnt"]

        func isNoise(_ process: EvidenceProcess) -> Bool {
            if process.kernelThread { return true }
            if let shell = table.evidenceShellPid {
                var pid: Int? = process.pid
                var steps = 0
                while let current = pid, steps < 64 {  // ppid chains in hostile evidence may loop
                    if current == shell { return true }
                    pid = byPid[current]?.ppid
                    steps += 1
                }
            }
            if let evidenceMnt, evidenceMnt != containerMnt, process.namespaces["mnt"] == evidenceMnt { return true }
            return options.ignores(commandLine: process.commandLine, comm: process.comm, exeName: Self.exeName(process))
        }

        var kept: [Int: String] = [:]  // pid → the process's identity text
        for process in table.processes where !isNoise(process) {
            let identity = Self.identity(process)
            kept[process.pid] = identity.text
            processes[identity.key, default: DiffItem(kind: .process, key: identity.key, text: identity.text)].pids.append(process.pid)
        }

        /// The owners that are not noise, or nil when every owner is noise.
        func owners(_ socket: InetSocket) -> [String]? {
            if socket.owners.isEmpty { return [] }
            let names = Set(socket.owners.compactMap { kept[$0.pid] })
            return names.isEmpty ? nil : names.sorted()
        }

        var listeningPorts: Set<String> = []
        for socket in evidence.sockets.listeners {
            guard let names = owners(socket) else { continue }
            let endpoint = Self.endpoint(socket.localAddress, socket.localPort)
            let key = "\(socket.transport) \(endpoint)"
            listeningPorts.insert("\(socket.transport) \(socket.localPort)")
            listeners[key] = DiffItem(kind: .listener, key: key, text: key, owners: names,
                                      pids: socket.owners.map(\.pid).filter { kept[$0] != nil })
        }
        for socket in evidence.sockets.connections {
            if socket.transport == "tcp", !Self.liveStates.contains(socket.state) { continue }
            guard let names = owners(socket) else { continue }
            let key: String
            let text: String
            if listeningPorts.contains("\(socket.transport) \(socket.localPort)") {
                key = "\(socket.transport) in \(socket.localPort) \(socket.remoteAddress)"
                text = "\(socket.transport) \(Self.address(socket.remoteAddress)) → local :\(socket.localPort) (inbound)"
            } else {
                let remote = Self.endpoint(socket.remoteAddress, socket.remotePort)
                let by = names.isEmpty ? "an unknown process" : names.joined(separator: ", ")
                key = "\(socket.transport) out \(remote) \(names.joined(separator: "\u{0}"))"
                text = "\(socket.transport) → \(remote) by \(by)"
            }
            connections[key, default: DiffItem(kind: .connection, key: key, text: text, owners: names)].pids
                .append(contentsOf: socket.owners.map(\.pid).filter { kept[$0] != nil })
        }

        for anomaly in evidence.namespaces.anomalies where anomaly.severity != .hint {
            let who = Set(anomaly.pids.compactMap { kept[$0] }).sorted()
            let key = "\(anomaly.kind.rawValue) \(anomaly.types.sorted().joined(separator: ",")) \(who.joined(separator: "\u{0}"))"
            anomalies[key] = DiffItem(kind: .anomaly, key: key, text: anomaly.message, owners: who, pids: anomaly.pids)
        }
        // A socket anomaly is known by its kind and the programs that hold the
        // socket it concerns: its line numbers and inodes change with every
        // snapshot and replica, so they are in its text, never in its key.
        let unixOwners = Dictionary(evidence.sockets.unix.map { ($0.inode, $0.owners) }, uniquingKeysWith: { a, b in a + b })
        for anomaly in evidence.sockets.anomalies where anomaly.severity != .hint {
            let pids = Set(anomaly.inodes.flatMap { unixOwners[$0] ?? [] }.map(\.pid)).sorted()
            let who = Set(pids.compactMap { kept[$0] }).sorted()
            let key = "socket \(anomaly.kind.rawValue) \(who.joined(separator: "\u{0}"))"
            anomalies[key] = DiffItem(kind: .anomaly, key: key, text: anomaly.message, owners: who, pids: pids)
        }
        namespaceIDs = (evidence.namespaces.container?.namespaces ?? [:]).filter { Self.namespaceTypes.contains($0.key) }
    }

    /// Every item, for the replica comparison.
    public var items: [DiffItem] {
        Array(processes.values) + Array(listeners.values) + Array(connections.values) + Array(anomalies.values)
    }

    static func exeName(_ process: EvidenceProcess) -> String? {
        process.exe.map { String($0.split(separator: "/").last ?? Substring($0)) }
    }

    /// A process's key (exe file name and argv) and its text for a person.
    static func identity(_ process: EvidenceProcess) -> (key: String, text: String) {
        let exe = exeName(process) ?? "?"
        if process.argv.isEmpty {
            let name = "[\(process.comm ?? "?")]"
            return ("\(exe)\u{0}\(name)", name)
        }
        let key = ([exe] + process.argv).joined(separator: "\u{0}")
        let program = process.argv[0].split(separator: "/").last.map(String.init) ?? process.argv[0]
        let text = program == exe ? process.commandLine : "\(process.commandLine) (exe \(exe))"
        return (key, text)
    }

    static func address(_ address: String) -> String {
        address.contains(":") ? "[\(address)]" : address
    }

    static func endpoint(_ address: String, _ port: Int) -> String {
        "\(self.address(address)):\(port)"
    }
}
