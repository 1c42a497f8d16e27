import Bundle
import Foundation
import Testing

/// A bundle of several clusters (`collect --context a,b`): schemaVersion 2, a
/// section per cluster, each pod naming its own, its files under `clusters/<name>/`.
@Suite("manifest and paths of a bundle of several clusters")
struct MultiClusterManifestTests {
    /// `east` with the sample's pods, `west` with a pod of the same name, and `gone` left out.
    static func fleetManifest() -> Manifest {
        let one = sampleManifest(pods: ["checkout-0", "checkout-1"])
        var pods = one.pods.map { pod -> Manifest.Pod in var pod = pod; pod.cluster = "east"; return pod }
        var twin = one.pods[0]
        twin.cluster = "west"
        twin.uid = "uid-west"
        pods.append(twin)
        let sections = [
            Manifest.ClusterSection(name: "east", cluster: one.cluster!, selection: one.selection!, scriptDelivery: "attach"),
            Manifest.ClusterSection(name: "west", cluster: .init(server: "https://10.0.0.2:6443", contextName: "west"),
                                    selection: one.selection!, scriptDelivery: "command"),
            Manifest.ClusterSection(name: "gone", cluster: .init(server: "https://10.0.0.3:6443", contextName: "gone"),
                                    selection: one.selection!,
                                    failure: .init(reason: "Unreachable", message: "The connection to the API server https://10.0.0.3:6443 was refused.")),
        ]
        return Manifest(tool: one.tool, run: one.run, clusters: sections, pods: pods)
    }

    @Test("version 2 round-trips whole and pod by pod, and says its clusters, not a cluster")
    func roundTrip() throws {
        let manifest = Self.fleetManifest()
        #expect(manifest.schemaVersion == 2)
        let text = String(decoding: try manifest.jsonData(), as: UTF8.self)
        #expect(!text.contains("\"selection\" : {\n    \"labelSelector\""), "a top-level selection was written")
        #expect(text.contains("\"clusters\" : ["))
        #expect(text.contains("\"cluster\" : \"west\""))
        #expect(try Manifest.decode(from: Data(text.utf8)) == manifest)
        #expect(try ManifestTests.decodedFromBytes(text) == manifest)
        let decoded = try ManifestTests.decodedFromBytes(text)
        #expect(decoded.isMultiCluster)
        #expect(decoded.clusterSections.map(\.name) == ["east", "west", "gone"])
        #expect(decoded.servers == ["https://10.0.0.2:6443", "https://10.0.0.3:6443", "https://127.0.0.1:6443"])
        #expect(decoded.cluster(of: decoded.pods[2])?.server == "https://10.0.0.2:6443")
        // The same namespace and name in two clusters are two pods.
        #expect(Set(decoded.pods.map(\.podKey)).count == 3)
        #expect(decoded.pods[2].displayName == "west: shop/checkout-0")
        #expect(decoded.pods.podsWithSeveralEntries.isEmpty)
    }

    @Test("a bundle of one cluster is read as one section named for its context")
    func oneClusterIsOneSection() throws {
        let one = sampleManifest(pods: ["a"])
        #expect(!one.isMultiCluster)
        #expect(one.clusterSections.map(\.name) == ["lab"])
        #expect(one.pods[0].podKey == "shop/a")
        #expect(one.pods[0].directory == "pods/shop/a/")
    }

    @Test("what version 2 must hold is checked, naming the field: sections, unique names, every pod's cluster")
    func brokenSectionsAreRefusedByName() throws {
        func refused(_ change: (inout [String: Any]) -> Void) throws -> String {
            var object = try #require(try JSONSerialization.jsonObject(with: try Self.fleetManifest().jsonData()) as? [String: Any])
            change(&object)
            let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            let whole = expectBundleError(.manifest) { _ = try Manifest.decode(from: Data(text.utf8)) }
            let streamed = expectBundleError(.manifest) { _ = try ManifestTests.decodedFromBytes(text) }
            #expect(whole?.message == streamed?.message)
            return whole?.message ?? ""
        }
        #expect(try refused { $0["clusters"] = [] as [Any] }.contains("\"clusters\" is missing or empty"))
        #expect(try refused { object in
            var sections = object["clusters"] as! [[String: Any]]
            sections[1]["name"] = "east"
            object["clusters"] = sections
        }.contains("clusters[1] has the name \"east\", which an earlier cluster has"))
        #expect(try refused { object in
            var pods = object["pods"] as! [[String: Any]]
            pods[2]["cluster"] = "north\u{1b}[2J"
            object["pods"] = pods
        }.contains("pods[2] names the cluster \"north\\u{1B}[2J\", which is not one of \"clusters\""))
        #expect(try refused { object in
            var pods = object["pods"] as! [[String: Any]]
            pods[0].removeValue(forKey: "cluster")
            object["pods"] = pods
        }.contains("pods[0] has no \"cluster\", which every pod of a bundle of several clusters needs"))
        #expect(try refused { $0["cluster"] = ["server": "https://x"] }.contains("belong to each of \"clusters\""))
        #expect(try refused { object in
            var pods = object["pods"] as! [[String: Any]]
            pods[2]["cluster"] = "gone"
            object["pods"] = pods
        }.contains("pods[2] belongs to the cluster \"gone\", which the bundle says was left out"))
        // A hand-edited manifest must not give one pod's evidence to another, nor name a pod twice.
        #expect(try refused { object in
            var pods = object["pods"] as! [[String: Any]]
            pods[1] = pods[0]
            object["pods"] = pods
        }.contains("pods[1] is \"east: shop/checkout-0\" (container \"app\") again, as pods[0] is"))
        #expect(try refused { object in
            var pods = object["pods"] as! [[String: Any]]
            pods[0]["files"] = ["clusters/west/pods/shop/checkout-0/pod.json"]
            object["pods"] = pods
        }.contains("pods[0] lists the file \"clusters/west/pods/shop/checkout-0/pod.json\", which is not under its own directory \"clusters/east/pods/shop/checkout-0/\""))
        // And version 1 must not carry what belongs to version 2.
        var one = try #require(try JSONSerialization.jsonObject(with: try sampleManifest(pods: ["a"]).jsonData()) as? [String: Any])
        var pods = one["pods"] as! [[String: Any]]
        pods[0]["cluster"] = "east"
        one["pods"] = pods
        let text = String(decoding: try JSONSerialization.data(withJSONObject: one), as: UTF8.self)
        let error = expectBundleError(.manifest) { _ = try Manifest.decode(from: Data(text.utf8)) }
        #expect(error?.message.contains("pods[0] names a cluster, but the bundle is of one cluster") == true, "\(error?.message ?? "")")
    }

    @Test("each cluster's files are under clusters/<name>/, the name made safe like any other")
    func pathsUnderTheCluster() {
        #expect(BundlePath.pod(namespace: "shop", pod: "p", file: "pod.json", cluster: "east").string == "clusters/east/pods/shop/p/pod.json")
        #expect(BundlePath.container(namespace: "shop", pod: "p", container: "app", file: "evidence.raw", cluster: "east").string
            == "clusters/east/pods/shop/p/containers/app/evidence.raw")
        #expect(BundlePath.gathered(namespace: "shop", pod: "p", container: "app", tree: "gathered", key: "proc/1/stat", cluster: "east").string
            == "clusters/east/pods/shop/p/containers/app/gathered/proc/1/stat")
        // Context names are often not DNS names (arn:aws:eks:…:cluster/prod, admin@prod).
        let hostile = BundlePath.pod(namespace: "shop", pod: "p", file: "pod.json", cluster: "arn:aws:eks:eu-west-1:1:cluster/../prod")
        let parts = hostile.string.split(separator: "/")
        #expect(parts.count == 6 && parts[0] == "clusters" && parts[2] == "pods")
        #expect(parts[1] != ".." && !parts[1].hasPrefix(".") && parts[1].hasPrefix("arn%3aaws"))
        #expect(BundlePath.podDirectory(namespace: "shop", pod: "p", cluster: "east") == "clusters/east/pods/shop/p/")
        #expect(BundlePath.containerDirectory(namespace: "shop", pod: "p", container: "app") == "pods/shop/p/containers/app")
    }

    @Test("an exploded record under a cluster is counted against the exploded records' room")
    func explodedRoomCountsTheClusterDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-room-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var capacity = BundleCapacity.standard
        capacity.explodedFiles = 1
        let writer = try BundleWriter(path: directory.appendingPathComponent("b.tar.gz").path, capacity: capacity)
        let record = BundlePath.gathered(namespace: "shop", pod: "p", container: "app", tree: "gathered", key: "proc/1/stat", cluster: "east")
        #expect(writer.reserveExplodedRecords([(record, 10)]) == 1)
        let second = BundlePath.gathered(namespace: "shop", pod: "p", container: "app", tree: "gathered", key: "proc/2/stat", cluster: "east")
        #expect(writer.reserveExplodedRecords([(second, 10)]) == 0)
    }
}
