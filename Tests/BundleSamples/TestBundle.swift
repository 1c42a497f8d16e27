import Bundle
import Evidence
import Foundation
import SnapshotDiff

/// A pod for a bundle written by a test: its manifest entry's facts, the
/// facts of its pod.json, and its evidence (nil for a pod that failed).
public struct TestPod {
    public var namespace: String
    public var name: String
    public var uid: String
    public var ownerKind: String
    public var ownerName: String?
    public var restarts: Int
    public var imageID: String
    public var evidence: Snapshot.ContainerEvidence?

    public init(namespace: String = "shop", name: String, uid: String, ownerKind: String = "ReplicaSet",
                ownerName: String? = "checkout-6c58576cd9", restarts: Int = 0,
                imageID: String = "docker.io/library/busybox@sha256:3d9f2889d6782537624a4e1a10e68a2ddd53e0ee8bac02676f27308f42ec6bf6",
                evidence: Snapshot.ContainerEvidence? = RealEvidence.decoded()) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.ownerKind = ownerKind
        self.ownerName = ownerName
        self.restarts = restarts
        self.imageID = imageID
        self.evidence = evidence
    }

    /// The pod JSON, shaped as the API server sends it (the fields diff reads, and a few others).
    public var podJSON: Data {
        var labels = ["app": "checkout"]
        // As the Deployment controller labels its pods: the ReplicaSet is named <deployment>-<hash>.
        if ownerKind == "ReplicaSet", let ownerName, let dash = ownerName.lastIndex(of: "-") {
            labels["pod-template-hash"] = String(ownerName[ownerName.index(after: dash)...])
        }
        var metadata: [String: Any] = ["name": name, "namespace": namespace, "uid": uid, "labels": labels]
        if let ownerName {
            metadata["ownerReferences"] = [["apiVersion": "apps/v1", "kind": ownerKind, "name": ownerName, "uid": "owner-uid",
                                            "controller": true, "blockOwnerDeletion": true]]
        }
        let status: [String: Any] = ["phase": "Running", "containerStatuses": [
            ["name": "app", "restartCount": restarts, "image": "docker.io/library/busybox:1.36", "imageID": imageID, "ready": true,
             "state": ["running": ["startedAt": "2026-11-29T02:03:25Z"]]],
        ]]
        return try! JSONSerialization.data(withJSONObject: ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "status": status])
    }
}

/// Writes real bundles with ``BundleWriter``, as `collect` does, for the tests
/// of what reads them (SnapshotDiff, Presentation).
public enum TestBundle {
    public static let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-diff-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    public static func write(_ pods: [TestPod], server: String = "https://127.0.0.1:6443", runID: String = "run1",
                      startedAt: Date = Date(timeIntervalSince1970: 1_795_920_000)) throws -> String {
        let path = "\(directory)/\(runID)-\(UUID().uuidString.prefix(8)).tar.gz"
        let writer = try BundleWriter(path: path)
        let entries = try pods.map { try add($0, cluster: nil, to: writer, runID: runID, startedAt: startedAt) }
        let manifest = Manifest(
            tool: Manifest.Tool(name: "kubectl-evidence", version: "0.1.0"),
            run: run(runID, startedAt),
            cluster: Manifest.Cluster(server: server), selection: Manifest.Selection(namespace: "shop", labelSelector: "app=checkout"),
            pods: entries)
        _ = try writer.finish(manifest: manifest)
        return path
    }

    /// One cluster of a bundle of several: its name (context), server and pods, or why it was left out.
    public struct TestCluster {
        public var name: String
        public var server: String
        public var pods: [TestPod]
        public var failure: Manifest.ClusterFailure?

        public init(name: String, server: String, pods: [TestPod], failure: Manifest.ClusterFailure? = nil) {
            self.name = name
            self.server = server
            self.pods = pods
            self.failure = failure
        }
    }

    /// A bundle of several clusters (schemaVersion 2), as `collect --context a,b` writes it.
    public static func writeFleet(_ clusters: [TestCluster], runID: String = "run1",
                                  startedAt: Date = Date(timeIntervalSince1970: 1_795_920_000)) throws -> String {
        let path = "\(directory)/\(runID)-fleet-\(UUID().uuidString.prefix(8)).tar.gz"
        let writer = try BundleWriter(path: path)
        var entries: [Manifest.Pod] = []
        for cluster in clusters {
            entries += try cluster.pods.map { try add($0, cluster: cluster.name, to: writer, runID: runID, startedAt: startedAt) }
        }
        let sections = clusters.map {
            Manifest.ClusterSection(name: $0.name, cluster: Manifest.Cluster(server: $0.server, contextName: $0.name),
                                    selection: Manifest.Selection(namespace: "shop", labelSelector: "app=checkout"),
                                    scriptDelivery: $0.failure == nil ? "attach" : nil, failure: $0.failure)
        }
        let manifest = Manifest(tool: Manifest.Tool(name: "kubectl-evidence", version: "0.1.0"), run: run(runID, startedAt),
                                clusters: sections, pods: entries)
        _ = try writer.finish(manifest: manifest)
        return path
    }

    private static func run(_ runID: String, _ startedAt: Date) -> Manifest.Run {
        Manifest.Run(id: runID, commandLine: ["kubectl-evidence", "collect"], profile: Manifest.Profile(name: "standard", sha256: "00"),
                     startedAt: startedAt)
    }

    /// Writes one pod's files (under its cluster's directory in a bundle of several) and returns its entry.
    private static func add(_ pod: TestPod, cluster: String?, to writer: BundleWriter, runID: String, startedAt: Date) throws -> Manifest.Pod {
        var files: [String] = []
        files.append(try writer.add(path: .pod(namespace: pod.namespace, pod: pod.name, file: "pod.json", cluster: cluster),
                                    data: pod.podJSON, modified: startedAt).path)
        if let evidence = pod.evidence {
            let encoder = JSONEncoder()
            for (file, data) in [(EvidenceFormat.processesFile, try encoder.encode(evidence.processes)),
                                 (EvidenceFormat.socketsFile, try encoder.encode(evidence.sockets)),
                                 (EvidenceFormat.namespacesFile, try encoder.encode(evidence.namespaces))] {
                files.append(try writer.add(path: .container(namespace: pod.namespace, pod: pod.name, container: "app", file: file, cluster: cluster),
                                            data: data, modified: startedAt).path)
            }
        }
        var entry = Manifest.Pod(
            namespace: pod.namespace, name: pod.name, uid: pod.uid, node: "lab-node", phase: "Running",
            podImageIDs: ["app": pod.imageID], targetContainer: "app",
            evidenceContainer: Manifest.EvidenceContainer(name: "evidence-\(runID)", image: "busybox:1.36"),
            outcome: pod.evidence == nil ? .failed : .collected, reason: pod.evidence == nil ? "ErrImagePull" : "Collected",
            failedStep: pod.evidence == nil ? .wait : nil, message: "", files: files)
        entry.cluster = cluster
        return entry
    }

    public static func snapshot(_ pods: [TestPod], server: String = "https://127.0.0.1:6443", runID: String = "run1") throws -> Snapshot {
        try Snapshot.read(path: write(pods, server: server, runID: runID))
    }
}

extension RealEvidence {
    public static func decoded() -> Snapshot.ContainerEvidence {
        let decoder = JSONDecoder()
        return try! Snapshot.ContainerEvidence(
            processes: decoder.decode(ProcessTable.self, from: Data(processes.utf8)),
            sockets: decoder.decode(SocketTable.self, from: Data(sockets.utf8)),
            namespaces: decoder.decode(NamespaceReport.self, from: Data(namespaces.utf8)))
    }
}

/// One change at a time to real evidence: a process, a listener, a connection, a namespace.
extension Snapshot.ContainerEvidence {
    /// A copy of the container's first process with another pid and argv.
    public func adding(process argv: [String], pid: Int, ppid: Int = 1) -> Self {
        var copy = self
        var process = processes.processes[0]
        process.pid = pid
        process.ppid = ppid
        process.argv = argv
        process.comm = argv[0]
        process.commandLine = argv.joined(separator: " ")
        process.socketFDs = []
        copy.processes.processes.append(process)
        copy.processes.processes.sort { $0.pid < $1.pid }
        return copy
    }

    /// A copy of the first listener on another port, held by `pid`.
    public func adding(listener port: Int, pid: Int, comm: String) -> Self {
        var copy = self
        var socket = sockets.listeners[0]
        socket.localPort = port
        socket.inode = UInt64(900_000 + port)
        socket.owners = [SocketOwner(pid: pid, fd: 3, comm: comm)]
        copy.sockets.listeners.append(socket)
        return copy
    }

    /// An outbound connection from `localPort` to `remote:remotePort`, held by `pid`.
    public func adding(connectionTo remote: String, port remotePort: Int, localPort: Int, pid: Int) -> Self {
        var copy = self
        var socket = sockets.connections[0]
        socket.localAddress = "10.0.0.7"
        socket.localPort = localPort
        socket.remoteAddress = remote
        socket.remotePort = remotePort
        socket.state = "ESTABLISHED"
        socket.stateCode = 1
        socket.owners = [SocketOwner(pid: pid, fd: 5, comm: processes.process(pid)?.comm)]
        copy.sockets.connections.append(socket)
        return copy
    }

    /// Every socket's local port changed the same way (a client that reconnected from new ephemeral ports).
    public func withEphemeralPortsShifted(by offset: Int) -> Self {
        var copy = self
        let listening = Set(sockets.listeners.map(\.localPort))
        copy.sockets.connections = sockets.connections.map { socket in
            var socket = socket
            if listening.contains(socket.localPort) { socket.remotePort += offset } else { socket.localPort += offset }
            return socket
        }
        return copy
    }

    /// The container's namespace ids as after a restart: new pid and mnt namespaces.
    public func restarted() -> Self {
        var copy = self
        for type in ["pid", "mnt"] {
            copy.namespaces.container?.namespaces[type]? += 100
        }
        return copy
    }

    /// The same processes under other pids (pid 1 stays).
    public func withPidsShifted(by offset: Int) -> Self {
        var copy = self
        copy.processes.processes = processes.processes.map { process in
            var process = process
            if process.pid != 1 { process.pid += offset }
            return process
        }
        copy.sockets.connections = sockets.connections.map { socket in
            var socket = socket
            socket.owners = socket.owners.map { SocketOwner(pid: $0.pid == 1 ? 1 : $0.pid + offset, fd: $0.fd, comm: $0.comm) }
            return socket
        }
        return copy
    }
}
