import Bundle
import Foundation
import Testing

/// The evidence container never shares its uid with the pod under investigation: a
/// hardened pod (pod-level runAsUser, every capability dropped) whose process had the
/// evidence container's uid could rewrite the evidence through /proc/<pid>/root before it
/// was hashed. On the lab and on a real cluster, with the real kubelet choosing the uids.
@Suite("end to end on a cluster: the evidence container's uid", .serialized)
struct ClusterUidTests {
    /// Pods of the test's own in namespace shop, each with a pod-level runAsUser and every
    /// capability dropped; the name of each → its uid.
    private struct HardenedPods {
        let label: String
        let uids: [String: Int]

        init(_ cluster: ClusterUnderTest, uids wanted: [Int]) throws {
            label = "uid-\(UUID().uuidString.prefix(6).lowercased())"
            var uids: [String: Int] = [:]
            for uid in wanted {
                let name = try cluster.createPod(
                    namespace: "shop", prefix: "\(label)-\(uid)", labels: ["e2e": label], command: ["sleep", "3600"], hardenedUID: uid)
                uids[name] = uid
            }
            self.uids = uids
        }

        func delete(_ cluster: ClusterUnderTest) {
            _ = try? cluster.kubectl(["delete", "pods", "-n", "shop", "-l", "e2e=\(label)", "--wait=false"])
        }
    }

    private static let sharedUIDSentence = "runs as the evidence container's uid"

    @Test("pods running as 65534 and 65532, collected with standard and restricted: the evidence container ran as another uid, and nothing could have altered the evidence")
    func evidenceUIDDiffersFromThePod() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let pods = try HardenedPods(cluster, uids: [65534, 65532])
        defer { pods.delete(cluster) }

        // standard runs as root with SYS_PTRACE; restricted as the first of 65532, 60000, … the pod does not name.
        let expected: [String: [Int: Int]] = ["standard": [65534: 0, 65532: 0], "restricted": [65534: 65532, 65532: 60000]]
        for profile in ["standard", "restricted"] {
            let output = cluster.bundlePath(profile)
            let result = try cluster.collect(["-n", "shop", "-l", "e2e=\(pods.label)", "--profile", profile, "--quiet"], output: output)
            #expect(result.status == 0, "\(profile): \(result.stderr)\n\(result.stdout)")
            guard FileManager.default.fileExists(atPath: output) else { continue }
            let manifest = try BundleReader(path: output).manifest()
            #expect(manifest.pods.count == 2, "\(profile)")
            for pod in manifest.pods {
                let podUID = try #require(pods.uids[pod.name])
                #expect(pod.outcome == .collected, "\(profile) \(pod.name): \(pod.reason) \(pod.message)")
                let evidence = try #require(pod.evidenceContainer, "\(profile) \(pod.name)")
                #expect(evidence.runAsUser == expected[profile]?[podUID], "\(profile) \(pod.name)")
                let credentials = try #require(evidence.credentials, "\(profile) \(pod.name): no credentials in the manifest")
                let uid = try #require(credentials.uid)
                #expect(uid != UInt64(podUID), "\(profile) \(pod.name): the evidence container ran as the pod's uid")
                #expect(uid == UInt64(expected[profile]?[podUID] ?? -1), "\(profile) \(pod.name): \(credentials)")
                if profile == "standard" {
                    #expect(credentials.effectiveCapabilities?.contains("CAP_SYS_PTRACE") == true, "\(credentials)")
                } else {
                    #expect(credentials.capEff == "0000000000000000" && credentials.capPrm == "0000000000000000", "\(credentials)")
                    #expect(credentials.noNewPrivs == true, "allowPrivilegeEscalation: false sets no_new_privs")
                }
                let messages = pod.summary?.anomalyMessages ?? []
                #expect(!messages.contains { $0.contains(Self.sharedUIDSentence) }, "\(profile) \(pod.name): \(messages)")
                #expect(!pod.message.contains("may be altered"), "\(pod.message)")
            }
            let inspect = try ToolBinary.run(["inspect", output])
            #expect(inspect.status == 0, "\(inspect.stderr)")
            #expect(!inspect.stdout.contains(Self.sharedUIDSentence), "\(inspect.stdout)")
            #expect(try ToolBinary.run(["verify", output]).status == 0)
        }
    }

    @Test("a profile pinned to the pod's own uid: the manifest, inspect and inspect --json say the evidence may be altered, and why")
    func aSharedUIDIsReported() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let pods = try HardenedPods(cluster, uids: [65532])
        defer { pods.delete(cluster) }
        let name = try #require(pods.uids.keys.first)

        // The restricted profile as a user might have written it before: one fixed uid.
        let restricted = try String(contentsOf: ClusterUnderTest.repositoryRoot.appendingPathComponent("profiles/restricted.yaml"), encoding: .utf8)
        let pinned = restricted.replacingOccurrences(of: "runAsUserChoices: [65532, 60000, 59999]", with: "runAsUser: 65532")
        #expect(pinned != restricted)
        let profile = cluster.directory.appendingPathComponent("pinned.yaml")
        try pinned.write(to: profile, atomically: true, encoding: .utf8)

        let output = cluster.bundlePath("pinned")
        let result = try cluster.collect(["-n", "shop", "-l", "e2e=\(pods.label)", "--profile", profile.path, "--quiet"], output: output)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        let manifest = try BundleReader(path: output).manifest()
        let pod = try #require(manifest.pods.first)
        #expect(pod.evidenceContainer?.credentials?.uid == 65532)
        let messages = pod.summary?.anomalyMessages ?? []
        #expect(messages.contains { $0.contains("A process of the pod runs as the evidence container's uid 65532: it could have reached the evidence before it was hashed.") },
                "\(messages)")
        #expect((pod.summary?.anomalies ?? 0) >= 1)
        #expect(pod.message.contains("The evidence may be altered"), "\(pod.message)")

        let inspect = try ToolBinary.run(["inspect", output])
        #expect(inspect.stdout.contains("[warning] A process of the pod runs as the evidence container's uid 65532"), "\(inspect.stdout)")
        let json = try ToolBinary.run(["inspect", output, "--pod", "shop/\(name)", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains("evidence-uid-shared"), "\(json.stdout.prefix(2000))")
    }
}
