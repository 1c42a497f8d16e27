import Bundle
import Foundation
import Testing

/// Ephemeral containers cannot be removed, so the tool says what a pod carries before
/// adding to it, refuses a pod one more container would take past a safe size, and
/// records each pod's object size before and after. On the lab and on a real cluster,
/// where the API server, not the tool, decides what a pod's object holds.
@Suite("end to end on a cluster: what a run leaves in each pod", .serialized)
struct ClusterFootprintTests {
    @Test("the plan shows each pod's ephemeral containers and object size; --max-pod-size refuses and --force overrides; the manifest records the growth")
    func footprintIsShownLimitedAndRecorded() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "size-\(UUID().uuidString.prefix(6).lowercased())"
        let pods = try ["a", "b"].map { try cluster.createPod(namespace: "shop", prefix: "\(label)-\($0)", labels: ["e2e": label], command: ["sleep", "3600"]) }
        defer { _ = try? cluster.kubectl(["delete", "pods", "-n", "shop", "-l", "e2e=\(label)", "--wait=false"]) }
        let selector = ["-n", "shop", "-l", "e2e=\(label)"]

        let plan = try cluster.collect(selector + ["--dry-run"], output: cluster.bundlePath("plan"))
        #expect(plan.status == 0, "\(plan.stderr)")
        let rows = plan.stdout.split(separator: "\n").filter { row in pods.contains { row.contains($0) } }
        #expect(plan.stdout.contains("EPHEMERAL") && plan.stdout.contains("OBJECT"), "\(plan.stdout)")
        #expect(rows.count == 2 && rows.allSatisfy { $0.contains(" 0 ") && $0.contains("KiB") }, "\(plan.stdout)")

        // A limit below what one container adds: every pod is refused, none is touched.
        let refused = try cluster.collect(selector + ["--max-pod-size", "2Ki"], output: cluster.bundlePath("refused"))
        #expect(refused.status == 4, "\(refused.stderr)\n\(refused.stdout)")
        let said = refused.stdout + refused.stderr
        #expect(said.contains("ObjectTooLarge") || (said.contains("--max-pod-size") && said.contains("--force")), "\(said)")
        for pod in pods { #expect(try cluster.ephemeralContainerCount(namespace: "shop", pod: pod) == 0) }

        // Two runs: the second sees the first's container and records what it added.
        let first = try cluster.collect(selector + ["--max-pod-size", "2Ki", "--force", "-q"], output: cluster.bundlePath("first"))
        #expect(first.status == 0, "\(first.stderr)")
        let output = cluster.bundlePath("second")
        let second = try cluster.collect(selector + ["-q"], output: output)
        #expect(second.status == 0, "\(second.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        for pod in manifest.pods {
            let footprint = try #require(pod.footprint, "\(pod.name) has no footprint")
            #expect(footprint.ephemeralContainersBefore == 1 && footprint.evidenceContainersBefore == 1, "\(pod.name): \(footprint)")
            let after = try #require(footprint.objectBytesAfter)
            let added = after - footprint.objectBytesBefore
            // One evidence container: the bootstrap in its spec (the script came through attach),
            // its status, its managed fields. About a kilobyte and a half, never nothing.
            #expect(added > 500 && added < 4_000, "\(pod.name): \(footprint.objectBytesBefore) → \(after)")
            print("figure: one run added \(added) bytes to \(pod.name)'s object (\(footprint.objectBytesBefore) → \(after)) on the \(cluster.kind)")
        }
    }
}
