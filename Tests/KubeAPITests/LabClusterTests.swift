@testable import KubeAPI
import Foundation
import KubeLab
import TestSupport
import Testing

/// The client against the lab cluster (KubeLab): real HTTPS with the lab's own
/// CA and client certificate, its pods, its faults.
@Suite("Against the lab cluster")
struct LabClusterTests {
    /// Starts a lab with `topology`, connects with the kubeconfig it writes, runs `body`, stops the lab.
    func withLab<R: Sendable>(
        _ topology: LabTopology, options: ClientOptions = .init(retryBaseDelay: 0.01), context: String? = nil,
        _ body: (LabServer, KubeClient) async throws -> R
    ) async throws -> R {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try await LabServer.start(topology: topology, stateDirectory: dir.path + "/lab")
        do {
            let connection = try KubeconfigLoader.load(.init(explicitPath: lab.kubeconfigPath, context: context), environment: [:])
            let result = try await KubeClient.withClient(connection: connection, options: options) { try await body(lab, $0) }
            try await lab.stop()
            return result
        } catch {
            try? await lab.stop()
            throw error
        }
    }

    @Test("2,500 pods in pages of 500 over the lab's TLS: each pod once, each rawJSON the lab's exact bytes")
    func paginationOverTwoThousandFiveHundredPods() async throws {
        try await withLab(.generated(namespace: "shop", pods: 2500, labels: ["app": "checkout"])) { lab, client in
            #expect(client.connection.caFingerprintSHA256 != nil)
            let list = try await client.listAllPods(namespace: "shop", labelSelector: "app=checkout", pageSize: 500)
            #expect(list.items.count == 2500)
            #expect(Set(list.items.map(\.metadata.name)).count == 2500)
            #expect(list.metadata.resourceVersion == String(lab.resourceVersion))
            // A list item is the pod without kind and apiVersion, exactly as a real API server writes items;
            // the lab's stored JSON of the pod (a GET reply) starts with them.
            let getPrefix = Array(#"{"kind":"Pod","apiVersion":"v1","#.utf8)
            var mismatches: [String] = []
            for pod in list.items {
                guard let stored = lab.podJSON(namespace: "shop", name: pod.metadata.name), stored.starts(with: getPrefix) else {
                    mismatches.append(pod.metadata.name)
                    continue
                }
                if pod.rawJSON != [UInt8(ascii: "{")] + stored.dropFirst(getPrefix.count) { mismatches.append(pod.metadata.name) }
            }
            #expect(mismatches.isEmpty, "rawJSON differs from the lab's bytes for \(mismatches.count) pods, e.g. \(mismatches.prefix(3))")
            #expect(lab.requestCounter.count(verb: "list", resource: "pods") == 5)
        }
    }

    @Test("whoami and can-i against the lab")
    func reviews() async throws {
        try await withLab(.demo()) { _, client in
            let me = try await client.selfSubjectReview()
            #expect(me.status?.userInfo.username?.isEmpty == false)
            let review = try await client.selfSubjectAccessReview(
                .init(namespace: "shop", verb: "patch", resource: "pods", subresource: "ephemeralcontainers"))
            #expect(review.status?.allowed == true)
            let version = try await client.serverVersion()
            #expect(!version.gitVersion.isEmpty)
        }
    }

    @Test("the lab's 429 with Retry-After: 1 is waited out")
    func tooManyRequests() async throws {
        try await withLab(.demo()) { lab, client in
            lab.faults.tooManyRequests(count: 1, retryAfterSeconds: 1)
            let elapsed = try await measure {
                let pods = try await client.listPods(namespace: "shop", labelSelector: "app=checkout")
                #expect(pods.items.count == 3)
            }
            #expect(elapsed >= 0.95)
        }
    }

    @Test("a bad selector: the lab's message reaches the user")
    func badSelector() async throws {
        try await withLab(.demo()) { _, client in
            let error = await #expect(throws: KubeAPIError.self) {
                try await client.listPods(namespace: "shop", labelSelector: "app in (")
            }
            #expect(error?.statusCode == 400)
            #expect(error?.description.contains("unable to parse requirement") == true, "\(String(describing: error))")
        }
    }

    @Test("a watch the lab cuts after every 2 events resumes: 7 changes arrive once each, in order")
    func watchSurvivesCuts() async throws {
        try await withLab(.generated(namespace: "shop", pods: 7, labels: ["app": "checkout"])) { lab, client in
            let list = try await client.listAllPods(namespace: "shop", labelSelector: "app=checkout")
            lab.faults.dropWatchAfterEvents = 2
            let names = list.items.map(\.metadata.name)
            let watch = client.watchPods(namespace: "shop", labelSelector: "app=checkout", resourceVersion: list.metadata.resourceVersion ?? "")
            async let events = WatchTests.collect(7, from: watch, timeout: 20)
            try await Task.sleep(for: .milliseconds(200))
            for (index, name) in names.enumerated() {
                lab.updatePod(namespace: "shop", name: name) { $0.annotations["evidence.test/change"] = String(index) }
                try await Task.sleep(for: .milliseconds(30))
            }
            let received = (try await events).filter { $0.type != .bookmark }
            #expect(received.map { $0.pod?.metadata.name ?? "" } == names)
            #expect(received.map { $0.pod?.metadata.annotations["evidence.test/change"] } == (0..<7).map { String($0) })
            let versions = received.compactMap { $0.resourceVersion.flatMap(Int.init) }
            #expect(versions == versions.sorted() && Set(versions).count == 7)
        }
    }

    @Test("watching the lab from a resourceVersion older than its history throws .gone")
    func goneFromTheLab() async throws {
        try await withLab(.demo()) { _, client in
            let error = await #expect(throws: KubeAPIError.self) {
                _ = try await WatchTests.collect(1, from: client.watchPods(namespace: "shop", labelSelector: nil, resourceVersion: "1"))
            }
            #expect(error?.isGone == true)
        }
    }

    @Test("a lab that has stopped: connection refused, naming its URL")
    func stoppedLab() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try await LabServer.start(topology: .demo(), stateDirectory: dir.path + "/lab")
        let connection = try KubeconfigLoader.load(.init(explicitPath: lab.kubeconfigPath), environment: [:])
        try await lab.stop()
        let error = await #expect(throws: KubeAPIError.self) {
            try await KubeClient.withClient(connection: connection) { try await $0.serverVersion() }
        }
        guard case .connectionRefused(let server, _, _) = error else {
            Issue.record("expected connectionRefused, got \(String(describing: error))")
            return
        }
        #expect(server == lab.serverURL)
    }
}
