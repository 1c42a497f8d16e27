import Foundation
import Testing

/// A selection larger than one bundle holds is refused before any pod is touched.
@Suite("collect refuses a selection larger than a bundle")
struct BundleRoomGuardTests {
    @Test("10,001 running pods: exit 64 naming the count and the limit, and no pod gets a container")
    func tooManyPods() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("room-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let topology = directory.appendingPathComponent("many.yaml")
        try """
            runtime: false
            namespaces: [big]
            workloads:
              - kind: Deployment
                name: web
                namespace: big
                replicas: 10001
                labels: {app: web}
                containers:
                  - name: app
                    image: docker.io/library/busybox:1.36
                    command: [httpd, -f, -p, "8080"]
            """.write(to: topology, atomically: true, encoding: .utf8)
        let lab = try LabProcess.start(topology: topology.path)
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "big", "-l", "app=web", "-q", "-o", output])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("the selection has 10001 pods to collect, and one bundle holds at most 10000"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let containers = try lab.kubectl(["get", "pods", "-n", "big", "-o", "jsonpath={.items[*].spec.ephemeralContainers[*].name}"])
        #expect(containers.status == 0 && containers.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(containers.stdout.prefix(200))")
    }
}
