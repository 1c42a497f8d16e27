import Foundation
import Testing
import TestSupport

/// `collect --context a,b` and `--all-contexts` as a user types them: which
/// contexts, which flags cannot go with several, and the plan of each cluster.
@Suite("collect across several contexts: flags and plans")
struct FleetEndToEndTests {
    /// Two labs and a context whose server refuses connections, in one kubeconfig.
    static func fleet() throws -> (east: LabProcess, west: LabProcess, kubeconfig: String) {
        let east = try LabProcess.start()
        let west = try LabProcess.start()
        let kubeconfig = east.directory.appendingPathComponent("fleet.kubeconfig").path
        try FleetKubeconfig.write([("east", east.kubeconfig), ("west", west.kubeconfig), ("gone", east.kubeconfig)], to: kubeconfig)
        // `gone` is east's cluster at a port nothing listens on.
        var text = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        let server = east.serverURL
        let lastServer = try #require(text.range(of: server, options: .backwards))
        text.replaceSubrange(lastServer, with: "https://127.0.0.1:1")
        try text.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        return (east, west, kubeconfig)
    }

    @Test("flags that name one cluster, or contexts the kubeconfig lacks, are refused before anything is touched")
    func refusals() throws {
        let (east, west, kubeconfig) = try Self.fleet()
        defer { east.stop(); west.stop() }
        let both = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--all-contexts", "--context", "east", "-l", "app=checkout"])
        #expect(both.status == 64 && both.stderr.contains("--all-contexts and --context cannot be used together"), "\(both.stderr)")
        let server = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--context", "east,west", "--server", east.serverURL, "-l", "app=checkout"])
        #expect(server.status == 64 && server.stderr.contains("--server and --cluster name one API server"), "\(server.stderr)")
        // One cluster's credentials would go to every cluster.
        let token = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--context", "east,west", "--token", "s3cret", "--user", "east", "-l", "app=checkout"])
        #expect(token.status == 64 && token.stderr.contains("--token, --user belong to one cluster"), "\(token.stderr)")
        #expect(!token.stderr.contains("s3cret"))
        let empty = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--context", "east,,west", "-l", "app=checkout"])
        #expect(empty.status == 64 && empty.stderr.contains("has an empty name"), "\(empty.stderr)")
        let unknown = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--context", "east,nor\u{1b}[31mth", "-l", "app=checkout", "--yes"])
        #expect(unknown.status == 1, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("has no context named nor\\u{1B}[31mth"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("Its contexts: east, gone, west"), "\(unknown.stderr)")
        #expect(!unknown.stderr.contains("\u{1b}"), "a control byte from the command line reached the terminal")
        // A kubeconfig that is not there, or does not parse, is named with what is wrong, not as "no context".
        let missing = try ToolBinary.run(["collect", "--kubeconfig", "/nonexistent/fleet.kubeconfig", "--all-contexts", "-l", "app=checkout"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/fleet.kubeconfig") && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        let broken = east.directory.appendingPathComponent("broken.kubeconfig").path
        try "apiVersion: v1\ncontexts: [ {name: a\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let unparsable = try ToolBinary.run(["collect", "--kubeconfig", broken, "--all-contexts", "-l", "app=checkout"])
        #expect(unparsable.status == 1 && unparsable.stderr.contains(broken) && !unparsable.stderr.contains("found no context"), "\(unparsable.stderr)")
        // Two contexts of one server and namespace would give each pod the same container twice.
        var text = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        text = text.replacingOccurrences(of: "https://127.0.0.1:1", with: east.serverURL)
        try text.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let twice = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--context", "east,gone", "-n", "shop", "-l", "app=checkout", "--yes"])
        #expect(twice.status == 1 && twice.stderr.contains("The contexts east and gone select the same pods"), "\(twice.stderr)")
        // The same server by another name of the loopback, with its default path's slash, is the same server.
        let localhost = east.serverURL.replacingOccurrences(of: "127.0.0.1", with: "localhost") + "/"
        #expect(localhost != east.serverURL)
        try text.replacingOccurrences(of: "\"server\" : \"\(east.serverURL)\"", with: "\"server\" : \"\(localhost)\"", options: [], range: text.range(of: "\"server\" : \"\(east.serverURL)\"", options: .backwards))
            .write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let aliased = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--context", "east,gone", "-n", "shop", "-l", "app=checkout", "--yes"])
        #expect(aliased.status == 1 && aliased.stderr.contains("The contexts east and gone select the same pods"), "\(aliased.stderr)")
        try text.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let all = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--all-contexts", "-n", "shop", "-l", "app=checkout", "--dry-run"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stderr.contains("gone is left out of --all-contexts"), "\(all.stderr)")
        #expect(all.stdout.contains("Cluster east (") && all.stdout.contains("Cluster west (") && !all.stdout.contains("Cluster gone ("), "\(all.stdout)")
        // Nothing was touched in east.
        let containers = try east.kubectl(["get", "pods", "-n", "shop", "-l", "app=checkout", "-o", "jsonpath={.items[*].spec.ephemeralContainers}"])
        #expect(containers.stdout.isEmpty, "\(containers.stdout)")
    }

    @Test("--all-contexts --dry-run --json: every context's plan, the unreachable one with why; nothing injected")
    func dryRunPlansEveryContext() throws {
        let (east, west, kubeconfig) = try Self.fleet()
        defer { east.stop(); west.stop() }
        let result = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--all-contexts", "-n", "shop", "-l", "app=checkout", "--dry-run", "--json"])
        // As the run would end: 3, as one cluster was left out.
        #expect(result.status == 3, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["kind"] as? String == "FleetCollectionPlan")
        let clusters = try #require(document["clusters"] as? [[String: Any]])
        // Every context, in the order kubectl config get-contexts lists them.
        #expect(clusters.map { $0["name"] as? String } == ["east", "gone", "west"])
        for cluster in [clusters[0], clusters[2]] {
            let targets = try #require((cluster["plan"] as? [String: Any])?["targets"] as? [[String: Any]])
            #expect(targets.count == 3, "\(cluster)")
        }
        let failure = try #require(clusters[1]["failure"] as? [String: Any])
        #expect(failure["reason"] as? String == "Unreachable", "\(failure)")
        #expect(result.stderr.contains("warning: cluster gone (https://127.0.0.1:1) is left out"), "\(result.stderr)")
        #expect(result.stderr.contains("A real run would collect from context east"), "\(result.stderr)")
        #expect(result.stderr.contains("A real run would collect from context west"), "\(result.stderr)")
        for lab in [east, west] {
            let containers = try lab.kubectl(["get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].spec.ephemeralContainers}"])
            #expect(containers.stdout.isEmpty, "a dry run added containers: \(containers.stdout)")
        }
    }

    @Test("one context named alone, even with a comma in its name, is a run of one cluster (schemaVersion 1)")
    func oneContextIsOneCluster() throws {
        let (east, west, kubeconfig) = try Self.fleet()
        defer { east.stop(); west.stop() }
        var text = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"name\" : \"west\"", with: "\"name\" : \"west,eu\"")
        text = text.replacingOccurrences(of: "\"user\" : \"west\"", with: "\"user\" : \"west,eu\"")
        text = text.replacingOccurrences(of: "\"cluster\" : \"west\"", with: "\"cluster\" : \"west,eu\"")
        try text.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let output = east.directory.appendingPathComponent("one.tar.gz").path
        let result = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--context", "west,eu", "-n", "shop", "-l", "app=checkout", "-q", "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try BundleContents(path: output).manifest
        #expect(manifest.schemaVersion == 1 && manifest.cluster?.contextName == "west,eu" && manifest.pods.count == 3)
        // A context named twice is one context.
        let twice = east.directory.appendingPathComponent("twice.tar.gz").path
        let again = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--context", "east,east", "-n", "shop", "-l", "app=checkout", "-q", "-o", twice])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try BundleContents(path: twice).manifest.schemaVersion == 1)
        // --across-clusters is for a bundle of several clusters.
        let across = try ToolBinary.run(["diff", "--replicas", "--across-clusters", twice])
        #expect(across.status == 2 && across.stderr.contains("is of one cluster; drop --across-clusters"), "\(across.stderr)")
    }

    @Test("--dry-run=server --json: each cluster's server answer is in the document, a refusal with its reason")
    func serverDryRunInTheDocument() throws {
        let east = try LabProcess.start()
        let west = try LabProcess.start()
        defer { east.stop(); west.stop() }
        // West as a user who may read pods but not add ephemeral containers.
        let viewer = west.directory.appendingPathComponent("viewer.kubeconfig").path
        try FileManager.default.copyItem(atPath: west.kubeconfig, toPath: viewer)
        let use = try ProcessRunner.run("/usr/bin/env", ["kubectl", "config", "use-context", "kubelab-viewer", "--kubeconfig", viewer])
        #expect(use.status == 0, "\(use.stderr)")
        let kubeconfig = east.directory.appendingPathComponent("fleet.kubeconfig").path
        try FleetKubeconfig.write([("east", east.kubeconfig), ("west", viewer)], to: kubeconfig)
        let result = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--context", "east,west", "-n", "shop", "-l", "app=checkout",
                                         "--dry-run=server", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)\(result.stderr)")
        let clusters = try #require(document["clusters"] as? [[String: Any]])
        #expect(clusters.map { $0["name"] as? String } == ["east", "west"])
        let eastAnswer = try #require(clusters[0]["serverDryRun"] as? [String: Any])
        #expect(eastAnswer["allowed"] as? Bool == true)
        let westAnswer = try #require(clusters[1]["serverDryRun"] as? [String: Any])
        #expect(westAnswer["allowed"] as? Bool == false)
        let refusal = try #require(westAnswer["refusal"] as? [String: Any])
        #expect((refusal["message"] as? String)?.contains("pods/ephemeralcontainers") == true, "\(refusal)")
        #expect(result.stderr.contains("[west] The server dry run refused"), "\(result.stderr)")
    }

    @Test("--all-contexts: of two contexts of one server, the one whose credentials fail does not cost the other its pods")
    func aBrokenTwinDoesNotHideItsServer() throws {
        let east = try LabProcess.start()
        let west = try LabProcess.start()
        defer { east.stop(); west.stop() }
        let kubeconfig = east.directory.appendingPathComponent("fleet.kubeconfig").path
        // "a-broken" sorts first: east's server with a token the server refuses.
        try FleetKubeconfig.write([("a-broken", east.kubeconfig), ("east", east.kubeconfig), ("west", west.kubeconfig)], to: kubeconfig)
        var document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: kubeconfig))) as? [String: Any])
        var users = try #require(document["users"] as? [[String: Any]])
        let index = try #require(users.firstIndex { $0["name"] as? String == "a-broken" })
        users[index]["user"] = ["token": "not-a-token-of-this-server"]
        document["users"] = users
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: kubeconfig))

        let output = east.directory.appendingPathComponent("all.tar.gz").path
        let result = try ToolBinary.run(["collect", "--kubeconfig", kubeconfig, "--all-contexts", "-n", "shop", "-l", "app=checkout", "--yes", "-q", "-o", output],
                                        timeout: 240)
        // a-broken is left out (recorded, exit 3); east is collected, not dropped as its twin.
        #expect(result.status == 3, "\(result.stderr)")
        let manifest = try BundleContents(path: output).manifest
        #expect(Set(manifest.pods.compactMap(\.cluster)) == ["east", "west"], "\(manifest.pods.map { "\($0.cluster ?? "?")/\($0.name)" })")
        #expect(manifest.pods.filter { $0.outcome == .collected }.count == 6)
        #expect(manifest.clusterSections.first { $0.name == "a-broken" }?.failure != nil)
    }
}
