import Bundle
import Foundation
import Testing

/// collect, verify and inspect on the cluster under test (the lab, or a real cluster with
/// `scripts/test-cluster`), on the workloads of examples/demo.yaml.
@Suite("end to end on a cluster: collect, verify, inspect", .serialized)
struct ClusterCollectTests {
    /// What each profile may collect from: a namespace and a selector of the demo's pods.
    private static let targets: [(namespace: String, selector: String, pods: Int)] = [
        ("shop", "app in (checkout,db,busy)", 6), ("payments", "app=ledger", 2),
    ]

    @Test("every built-in profile collects every demo pod its namespace's Pod Security admits; the bundle verifies and matches the schemas")
    func everyProfile() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        var runs: [(profile: String, namespace: String, selector: String, pods: Int)] = []
        for profile in ["standard", "restricted", "network", "deep"] {
            for t in Self.targets { runs.append((profile, t.namespace, t.selector, t.pods)) }
        }
        // The restricted namespace admits only the restricted profile (the refusal is in ClusterRefusalTests).
        runs.append(("restricted", "hardened", "app=vault", 1))
        for run in runs {
            let output = cluster.bundlePath(run.profile)
            let result = try cluster.collect(["-n", run.namespace, "-l", run.selector, "--profile", run.profile, "--quiet"], output: output)
            #expect(result.status == 0, "\(run.profile) in \(run.namespace): \(result.stderr)\n\(result.stdout)")
            guard FileManager.default.fileExists(atPath: output) else { continue }
            let manifest = try BundleReader(path: output).manifest()
            #expect(manifest.pods.count == run.pods, "\(run.profile) in \(run.namespace)")
            for pod in manifest.pods {
                #expect(pod.outcome == .collected, "\(run.profile): \(pod.namespace)/\(pod.name): \(pod.reason) \(pod.message)")
            }
            let verification = try BundleReader(path: output).verify()
            #expect(verification.isIntact, "\(run.profile): \(verification.problems)")
            let verify = try ToolBinary.run(["verify", output])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            // What this cluster and this profile wrote matches the schemas `schema` prints.
            let checked = try SchemaCheck.validate(bundle: output)
            #expect(checked.contains("manifest.json"), "\(run.profile): \(checked)")
            #expect(checked.count == 1 + 3 * run.pods, "\(run.profile) in \(run.namespace): \(checked)")
        }
    }

    @Test("the bundle's processes and listeners are what ps and netstat show inside the same containers")
    func evidenceMatchesInsideView() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let output = cluster.bundlePath()
        let result = try cluster.collect(["-n", "shop", "-l", "app in (busy,checkout)", "--quiet"], output: output)
        #expect(result.status == 0, "\(result.stderr)")
        let bundle = try BundleContents(path: output)
        #expect(bundle.manifest.pods.count == 4)
        for pod in bundle.manifest.pods {
            let container = pod.targetContainer
            let gathered = bundle.processes(namespace: pod.namespace, pod: pod.name, container: container)
            let evidenceRun = Set(gathered.filter { $0.value.contains { $0.contains("evidence-collect") } }.keys)
            // ps in the target container: `PID USER COMMAND` (BusyBox 1.35; other builds add
            // TIME), COMMAND from its header's column on. The ps itself came after the collection.
            let ps = try cluster.exec(namespace: pod.namespace, pod: pod.name, container: container, ["ps"])
            let psLines = ps.split(separator: "\n").map(String.init)
            let commandColumn = try #require(psLines.first?.range(of: "COMMAND")?.lowerBound.utf16Offset(in: psLines[0]), "\(ps)")
            var seen = 0
            for line in psLines.dropFirst() where line.utf16.count > commandColumn {
                guard let pid = line.split(separator: " ").first.map(String.init) else { continue }
                let command = String(line.dropFirst(commandColumn))
                if command == "ps" || command.hasPrefix("{ps}") || evidenceRun.contains(pid) { continue }
                guard let argv = gathered[pid] else {
                    Issue.record("\(pod.name): ps shows pid \(pid) (\(command)) that the bundle does not have; bundle: \(gathered.keys.sorted())")
                    continue
                }
                #expect(argv.joined(separator: " ").hasPrefix(command) || command.hasPrefix(argv.joined(separator: " ")),
                        "\(pod.name) pid \(pid): ps says \(command), the bundle \(argv)")
                seen += 1
            }
            #expect(seen >= 1, "\(pod.name): nothing to compare in \(ps)")
            if pod.name == "busy" { #expect(seen >= 41, "busy: a shell and 40 sleeps, compared \(seen)") }
            // netstat's listeners in the pod's network namespace.
            let netstat = try cluster.exec(namespace: pod.namespace, pod: pod.name, container: container, ["netstat", "-ltn"])
            var ports = Set<Int>()
            for line in netstat.split(separator: "\n") where line.hasPrefix("tcp") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                if fields.count > 3, let port = fields[3].split(separator: ":").last.flatMap({ Int($0) }) { ports.insert(port) }
            }
            #expect(bundle.listeningPorts(namespace: pod.namespace, pod: pod.name, container: container) == ports,
                    "\(pod.name): netstat says \(ports.sorted())")
        }
    }

    @Test("inspect reads the bundle: every pod with its processes and listeners, and --json for one pod")
    func inspect() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let output = cluster.bundlePath()
        let result = try cluster.collect(["-n", "shop", "-l", "app=db", "--quiet"], output: output)
        #expect(result.status == 0, "\(result.stderr)")
        let inspect = try ToolBinary.run(["inspect", output])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        for name in try cluster.podNames(namespace: "shop", selector: "app=db") {
            #expect(inspect.stdout.contains(name), "\(inspect.stdout)")
        }
        #expect(inspect.stdout.contains("5432"), "\(inspect.stdout)")
        let one = try ToolBinary.run(["inspect", output, "--pod", "shop/db-0", "--json"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) is [String: Any])
    }
}
