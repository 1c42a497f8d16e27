import Foundation
import Testing

@testable import KubeLab

/// A real container's output through the lab's kubelet: copied from the runtime's file into
/// CRI records, and served back byte for byte (the collector hashes what it reads).
@Suite("container logs of real processes")
struct ContainerLogRuntimeTests {
    static let topology = """
        namespaces: [shop]
        workloads:
          - kind: Deployment
            name: talker
            namespace: shop
            labels: {app: talker}
            containers:
              - name: app
                image: busybox:1.36
                command:
                  - sh
                  - -c
                  - "echo out1; echo err1 >&2; head -c 40000 /dev/zero | tr '\\\\0' a; echo; printf 'x\\\\000y\\\\n'; printf tail-without-newline"
        """

    @Test("stdout and stderr in one file of CRI records; long lines in 16 KiB pieces; served back as written; timestamps as the kubelet prints them")
    func recordsOfARealContainer() async throws {
        try await LabFixture.with(try LabTopology.parse(yaml: Self.topology), runtime: true) { lab in
            #expect(lab.server.hasRuntime)
            let pod = try #require(lab.server.pods(namespace: "shop").first)
            let ended = try await Ephemeral.waitForPod(lab, name: pod.name, timeout: 30) { p in
                if case .terminated = p.containerStatuses.first?.state { return true }
                return false
            }
            guard case .terminated(let code, _, _, _, _) = ended.containerStatuses.first?.state else {
                Issue.record("the container did not end: \(String(describing: ended.containerStatuses.first?.state))")
                return
            }
            #expect(code == 0)
            let written = "out1\nerr1\n" + String(repeating: "a", count: 40_000) + "\nx\0y\ntail-without-newline"

            let curl = Curl(lab: lab)
            let plain = try await curl.request("/api/v1/namespaces/shop/pods/\(pod.name)/log")
            #expect(plain.status == 200)
            #expect(plain.body == Data(written.utf8), "exactly the bytes the container wrote")

            let file = String(decoding: lab.server.logs.file(namespace: "shop", pod: pod.name, container: "app"), as: UTF8.self)
            let lines = file.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            let shape = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z (stdout|stderr) (F|P) /#
            #expect(lines.allSatisfy { $0.prefixMatch(of: shape) != nil }, "\(file.prefix(300))")
            // The runtime sends stderr into the same file as stdout: the lab cannot tell them apart.
            #expect(lines.map { $0.split(separator: " ")[2] } == ["F", "F", "P", "P", "F", "F", "P"])
            #expect(lines.map { $0.split(separator: " ", maxSplits: 3).last.map { $0.count } ?? 0 } == [4, 4, 16_384, 16_384, 7_232, 3, 20])
            let times = lines.compactMap { CRILogTime.parseRFC3339(Array($0.split(separator: " ")[0].utf8)[...]) }
            #expect(times.count == lines.count && times == times.sorted() && times.last! <= CRILogTime.now())

            let stamped = try await curl.request("/api/v1/namespaces/shop/pods/\(pod.name)/log?timestamps=true&tailLines=2")
            let fixed = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /#
            let stampedLines = stamped.text.split(separator: "\n")
            #expect(stampedLines.count == 2 && stampedLines.allSatisfy { $0.prefixMatch(of: fixed) != nil }, "\(stamped.text)")
            #expect(stamped.text.hasSuffix(" tail-without-newline"))

            // kubectl logs --timestamps reads the same.
            let args = ["--kubeconfig", lab.server.kubeconfigPath, "--cache-dir", lab.directory + "/kc"]
            let env = ["HOME": lab.directory, "PATH": "/usr/bin:/bin"]
            let k = try await run("/usr/bin/kubectl", args + ["logs", "-n", "shop", pod.name, "--timestamps", "--tail=1"], environment: env)
            #expect(k.stdout.prefixMatch(of: fixed) != nil && k.stdout.hasSuffix(" tail-without-newline"), "\(k.stdout) \(k.stderr)")
        }
    }
}
