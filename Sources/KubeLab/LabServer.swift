import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The lab cluster's API server: HTTPS on loopback with certificates it makes itself,
/// a kubeconfig for kubectl and the tool, pods from a topology, and fault switches.
///
///     let lab = try await LabServer.start(topology: .demo(), stateDirectory: dir)
///     // kubectl --kubeconfig \(lab.kubeconfigPath) get pods -l app=checkout
///     try await lab.stop()
public final class LabServer: Sendable {
    /// `https://127.0.0.1:PORT`
    public let serverURL: String
    public let port: Int
    public let stateDirectory: String
    /// stateDirectory/kubeconfig (mode 0600): contexts `kubelab` (admin, current), `kubelab-token`, `kubelab-nobody`,
    /// `kubelab-viewer` (reads pods and logs, may not add ephemeral containers).
    public let kubeconfigPath: String
    /// PEM of the lab CA (stateDirectory/ca.crt); its key is stateDirectory/ca.key, for tests that sign other client certificates.
    public let caCertificatePath: String
    public let caKeyPath: String
    public let faults: LabFaults
    public let requestCounter: LabRequestCounter
    public let users: LabUsers
    /// Bearer token of `kubelab-operator` (user `operator`, all rights).
    public let operatorToken: String
    /// Bearer token of `kubelab-nobody` (no rights at all).
    public let nobodyToken: String
    /// Bearer token of `kubelab-viewer` (get/list/watch pods, get pods/log; no patch pods/ephemeralcontainers).
    public let viewerToken: String
    /// True when pods run as real processes (the topology did not say `runtime: false`).
    public var hasRuntime: Bool { kubelet.runtime != nil }

    let store: LabStore
    let logs: LabLogStore
    let scheduler: LabScheduler
    let kubelet: LabKubelet
    private let group: MultiThreadedEventLoopGroup
    private let listener: LabListener

    private init(
        serverURL: String, port: Int, stateDirectory: String, faults: LabFaults, counter: LabRequestCounter, users: LabUsers,
        operatorToken: String, nobodyToken: String, viewerToken: String, store: LabStore, logs: LabLogStore, scheduler: LabScheduler,
        kubelet: LabKubelet, group: MultiThreadedEventLoopGroup, listener: LabListener
    ) {
        self.serverURL = serverURL
        self.port = port
        self.stateDirectory = stateDirectory
        self.kubeconfigPath = stateDirectory + "/kubeconfig"
        self.caCertificatePath = stateDirectory + "/ca.crt"
        self.caKeyPath = stateDirectory + "/ca.key"
        self.faults = faults
        self.requestCounter = counter
        self.users = users
        self.operatorToken = operatorToken
        self.nobodyToken = nobodyToken
        self.viewerToken = viewerToken
        self.kubelet = kubelet
        self.store = store
        self.logs = logs
        self.scheduler = scheduler
        self.group = group
        self.listener = listener
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts the lab. Unless `runtime` is false or the topology says `runtime: false`, its pods
    /// run as real processes (this needs root): strays of a previous lab killed on the same state
    /// directory are cleaned up first, and the call returns once every pod's containers have
    /// started (or after 10 s).
    public static func start(
        topology: LabTopology, stateDirectory: String, host: String = "127.0.0.1", port: Int = 0, runtime: Bool = true
    ) async throws -> LabServer {
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StartFailure(description: "Cannot create the lab state directory \(stateDirectory): \(error.localizedDescription)")
        }
        let certificates = try LabCertificates.make()
        for (name, contents) in [
            ("ca.crt", certificates.caCertificatePEM), ("ca.key", certificates.caKeyPEM), ("server.crt", certificates.serverCertificatePEM),
            ("server.key", certificates.serverKeyPEM), ("admin.crt", certificates.adminCertificatePEM), ("admin.key", certificates.adminKeyPEM),
        ] {
            try LabKubeconfig.writePrivate(contents, to: stateDirectory + "/" + name)
        }

        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificates.serverCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(certificates.serverKeyPEM.utf8), format: .pem)))
        // Client certificates are optional, but one that is sent must chain to the lab CA.
        tls.certificateVerification = .optionalVerification
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(certificates.caCertificatePEM.utf8), format: .pem)])
        tls.applicationProtocols = ["http/1.1"]
        let sslContext = try NIOSSLContext(configuration: tls)

        let users = LabUsers()
        let listener = LabListener()
        let faults = LabFaults(users: users, listener: listener)
        let counter = LabRequestCounter()
        let store = LabStore()
        let logs = LabLogStore()
        let scheduler = LabScheduler(nodes: topology.nodeNames)
        var labRuntime: LabRuntime? = nil
        if runtime && topology.runtime != false {
            let runtimeDirectory = URL(fileURLWithPath: stateDirectory).appendingPathComponent("runtime")
            LabRuntime.cleanUpStrays(stateDirectory: runtimeDirectory)
            do {
                labRuntime = try LabRuntime(stateDirectory: runtimeDirectory)
            } catch {
                throw StartFailure(
                    description: "The lab cannot run its pods as processes: \(error.message) "
                        + "(To run the lab without processes, put `runtime: false` at the top of the topology file.)")
            }
        }
        let kubelet = LabKubelet(runtime: labRuntime, store: store, logs: logs, faults: faults)
        let now = Date()
        var pods = topology.makePods(now: now, scheduler: scheduler)
        for i in pods.indices {
            if labRuntime == nil { pods[i].runsProcesses = false }
            if pods[i].runsProcesses { pods[i].markContainersCreating() }
        }
        let workloads = LabWorkloads(topology: topology, pods: pods, now: now)
        store.load(
            namespaces: topology.namespaces, namespaceLabels: topology.namespaceLabels,
            nodes: scheduler.nodes.map { ($0, scheduler.hostIP(of: $0)) }, pods: pods, now: now)
        if labRuntime != nil {
            var started = 0
            for pod in store.allPods() where pod.runsProcesses {
                kubelet.start(pod)
                started += 1
            }
            // About 30 pods a second start on two cores; leave room for that and more.
            await kubelet.waitUntilStarted(timeout: .seconds(10 + started / 10))
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        let apiBox = LabMutex<LabAPI?>(nil)
        let bind: LabListener.Bind = { port in
            ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 512)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard let api = apiBox.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                        try channel.pipeline.syncOperations.addHandler(LabConnectionHandler(listener: listener))
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                        let answered = LabMutex<LabResponse?>(nil)
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                            withServerUpgrade: (upgraders: [LabAttachUpgrade.upgrader(api: api, answered: answered)], completionHandler: { _ in }),
                            withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(LabHTTPHandler(api: api, answered: answered))
                    }
                }
                .bind(host: host, port: port)
        }
        let channel: Channel
        do {
            channel = try await listener.start(port: port, timers: group.next(), bind: bind)
        } catch {
            await kubelet.stopAll()
            try? await group.shutdownGracefully()
            throw StartFailure(description: "The lab API server cannot listen on \(host):\(port): \(error). Is the port in use?")
        }
        let boundPort = channel.localAddress?.port ?? port
        let urlHost = host.contains(":") ? "[\(host)]" : host
        let serverURL = "https://\(urlHost):\(boundPort)"
        apiBox.withLock {
            $0 = LabAPI(
                store: store, logs: logs, users: users, faults: faults, counter: counter, scheduler: scheduler, kubelet: kubelet,
                workloads: workloads, serverAddress: "\(urlHost):\(boundPort)")
        }

        let operatorToken = users.user(named: LabUsers.operatorName)?.token ?? ""
        let nobodyToken = users.user(named: LabUsers.nobodyName)?.token ?? ""
        let viewerToken = users.user(named: LabUsers.viewerName)?.token ?? ""
        let defaultNamespace = topology.namespaces.contains("shop") ? "shop" : (topology.namespaces.first { $0 != "kube-system" } ?? "default")
        let kubeconfig = LabKubeconfig.render(
            server: serverURL, certificates: certificates, operatorToken: operatorToken, nobodyToken: nobodyToken, viewerToken: viewerToken,
            collectorToken: users.user(named: LabUsers.collectorName)?.token ?? "", namespace: defaultNamespace)
        try LabKubeconfig.writePrivate(kubeconfig, to: stateDirectory + "/kubeconfig")

        return LabServer(
            serverURL: serverURL, port: boundPort, stateDirectory: stateDirectory, faults: faults, counter: counter, users: users,
            operatorToken: operatorToken, nobodyToken: nobodyToken, viewerToken: viewerToken, store: store, logs: logs,
            scheduler: scheduler, kubelet: kubelet, group: group, listener: listener)
    }

    /// Stops listening, closes every connection (watches end without their final chunk), stops
    /// every pod's processes (all at once; no process or mount of a pod is left) and frees the threads.
    public func stop() async throws {
        await listener.stop()
        await kubelet.stopAll()
        try await group.shutdownGracefully()
    }

    /// The processes of a pod (nil for pods that are API objects only), for tests.
    public func runningPod(namespace: String, name: String) -> RunningPod? {
        kubelet.runningPod(namespace: namespace, name: name)
    }

    // MARK: state, for tests and the lab's own runtime

    /// The global resourceVersion (etcd revision analogue).
    public var resourceVersion: Int { store.resourceVersion }

    /// Pods in key order (`namespace/name`), optionally of one namespace.
    public func pods(namespace: String? = nil) -> [LabPod] {
        let all = store.allPods()
        guard let namespace else { return all }
        return all.filter { $0.namespace == namespace }
    }

    public func pod(namespace: String, name: String) -> LabPod? { store.pod(namespace: namespace, name: name)?.pod }

    /// The pod's JSON exactly as a GET or a watch event sends it (compact, no trailing newline).
    public func podJSON(namespace: String, name: String) -> [UInt8]? { store.pod(namespace: namespace, name: name)?.json }

    /// The pod's JSON exactly as it appears as an item of a PodList: like the real server,
    /// without `kind` and `apiVersion` (compare Tests/Fixtures/k8s/pods/podlist.json).
    public func podListItemJSON(namespace: String, name: String) -> [UInt8]? {
        store.pod(namespace: namespace, name: name)?.itemJSON
    }

    public var namespaces: [String] { store.namespaces().map(\.name) }

    public struct MutationFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates a pod from a JSON manifest as `POST …/pods` would, scheduled and Running at once.
    @discardableResult
    public func createPod(namespace: String, manifest: String) throws -> LabPod {
        do {
            let body = try JSONValue.parse(manifest)
            var pod = try LabPod.fromManifest(body, namespace: namespace)
            if pod.name.isEmpty, let prefix = pod.generateName { pod.name = prefix + LabNames.randomSuffix() }
            try store.createPod(pod)
            let scheduled = store.updatePod(namespace: namespace, name: pod.name) { p in
                scheduler.schedule(&p, nodeName: body["spec"]?["nodeName"]?.stringValue, phase: .Running, now: Date())
                if kubelet.runtime != nil {
                    p.runsProcesses = true
                    p.markContainersCreating()
                }
            }
            if let scheduled { kubelet.start(scheduled.pod) }
            return scheduled!.pod
        } catch let e as APIError {
            throw MutationFailure(description: "Cannot create the pod in namespace \(namespace): \(e.message)")
        }
    }

    /// Deletes a pod at once (watchers see DELETED, log followers the end, its processes are
    /// killed in the background); false when there was no such pod.
    @discardableResult
    public func deletePod(namespace: String, name: String) -> Bool {
        logs.removePod(namespace: namespace, pod: name)
        let deleted = store.deletePod(namespace: namespace, name: name) != nil
        Task { await kubelet.stop(namespace: namespace, name: name) }
        return deleted
    }

    /// Appends output to a container's log (`GET …/log?container=`, followers get it at once).
    public func appendLog(namespace: String, pod: String, container: String, _ bytes: [UInt8]) {
        logs.append(namespace: namespace, pod: pod, container: container, bytes)
    }

    /// Marks a container's log complete (the container ended): `follow` readers get the end of the stream.
    public func endLog(namespace: String, pod: String, container: String) {
        logs.end(namespace: namespace, pod: pod, container: container)
    }

    /// A container's log so far.
    public func log(namespace: String, pod: String, container: String) -> [UInt8] {
        logs.read(namespace: namespace, pod: pod, container: container)
    }

    /// Moves a pod to another phase with matching container states; false when there is no such pod.
    @discardableResult
    public func setPodPhase(namespace: String, name: String, phase: LabPodPhase) -> Bool {
        store.updatePod(namespace: namespace, name: name) { p in
            scheduler.schedule(&p, nodeName: p.nodeName, phase: phase, now: Date())
        } != nil
    }

    /// Changes a pod in place (a MODIFIED event); returns the new state, or nil when there is no such pod.
    @discardableResult
    public func updatePod(namespace: String, name: String, _ change: (inout LabPod) -> Void) -> LabPod? {
        store.updatePod(namespace: namespace, name: name, change)?.pod
    }
}
