import Bundle
import Evidence
import Foundation
import Testing
import TestSupport

/// `inspect` as a user runs it, on the real signed bundle of the lab's demo
/// pods (see ``DemoBundle``): what it shows must be what the lab's pods do.
@Suite("inspect")
struct InspectEndToEndTests {
    private func inspectJSON(_ bundle: String, _ extra: [String] = []) throws -> [String: Any] {
        let result = try ToolBinary.run(["inspect", bundle, "--json"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                            "inspect --json printed: \(result.stdout.prefix(500))")
    }

    private func pods(_ report: [String: Any]) -> [[String: Any]] { report["pods"] as? [[String: Any]] ?? [] }
    private func name(_ pod: [String: Any]) -> String { (pod["pod"] as? [String: Any])?["name"] as? String ?? "?" }
    private func sockets(_ pod: [String: Any], _ role: String) -> [[String: Any]] {
        (pod["sockets"] as? [String: Any])?[role] as? [[String: Any]] ?? []
    }
    private func argv(_ pod: [String: Any], pid: Int) -> [String] {
        let processes = (pod["processes"] as? [String: Any])?["processes"] as? [[String: Any]] ?? []
        return processes.first { $0["pid"] as? Int == pid }?["argv"] as? [String] ?? []
    }
    private func owners(_ socket: [String: Any]) -> [(pid: Int, comm: String)] {
        (socket["owners"] as? [[String: Any]] ?? []).map { ($0["pid"] as? Int ?? -1, $0["comm"] as? String ?? "") }
    }

    @Test("the listeners on 8080 (checkout) and 5432 (db) with the processes that own them")
    func listeners() throws {
        let demo = try DemoBundle.get()
        let report = try inspectJSON(demo.bundle)
        let all = pods(report)
        #expect(all.count == 5, "\(all.map(name))")
        for pod in all {
            let port = name(pod).hasPrefix("checkout-") ? 8080 : 5432
            let program = port == 8080 ? "httpd" : "nc"
            let listener = try #require(sockets(pod, "listeners").first { $0["localPort"] as? Int == port && $0["transport"] as? String == "tcp" },
                                        "\(name(pod)): no listener on \(port): \(sockets(pod, "listeners"))")
            let owner = try #require(owners(listener).first, "\(name(pod)): the listener on \(port) has no owner")
            #expect(owner.comm == program)
            #expect(argv(pod, pid: owner.pid).contains(String(port)), "\(name(pod)): pid \(owner.pid) is \(argv(pod, pid: owner.pid))")
        }
        // The text shows the same rows.
        let text = try ToolBinary.run(["inspect", demo.bundle]).stdout
        #expect(text.contains("[::]:8080   1/httpd"), "\(text.prefix(3000))")
        #expect(text.contains("[::]:5432   1/nc"))
    }

    @Test("the sidecar's connection to 8080: its end has no owner in the app's pid namespace, the app's end is owned by httpd")
    func sidecarConnection() throws {
        let demo = try DemoBundle.get()
        let checkout = pods(try inspectJSON(demo.bundle)).filter { name($0).hasPrefix("checkout-") }
        var seen = 0
        for pod in checkout {
            let connections = sockets(pod, "connections")
            // The sidecar's end: to 8080, held by a process the app's pid namespace cannot see.
            guard let client = connections.first(where: { $0["remotePort"] as? Int == 8080 && $0["state"] as? String == "ESTABLISHED" })
            else { continue }
            seen += 1
            #expect(owners(client).isEmpty, "\(name(pod)): \(client)")
            let clientPort = try #require(client["localPort"] as? Int)
            // The app's end of the same connection, held by an httpd process.
            let server = try #require(connections.first { $0["localPort"] as? Int == 8080 && $0["remotePort"] as? Int == clientPort },
                                      "\(name(pod)): no server side for \(clientPort) in \(connections)")
            #expect(Set(owners(server).map(\.comm)) == ["httpd"], "\(name(pod)): \(server)")
        }
        // The lab's sidecar connects once the app listens; a replica whose sidecar lost that
        // race stays without a connection, so at least one of the three shows it.
        #expect(seen >= 1, "no checkout pod shows the sidecar's connection")
        let text = try ToolBinary.run(["inspect", demo.bundle]).stdout
        #expect(text.contains(":8080    ESTABLISHED   -"), "\(text.prefix(4000))")
    }

    @Test("namespace sharing: pid, net, ipc and uts shared with the target, mnt its own")
    func namespaceSharing() throws {
        let demo = try DemoBundle.get()
        for pod in pods(try inspectJSON(demo.bundle)) {
            let namespaces = try #require(pod["namespaces"] as? [String: Any], "\(name(pod)) has no namespaces")
            let shared = Set(namespaces["shared"] as? [String] ?? [])
            let own = Set(namespaces["notShared"] as? [String] ?? [])
            #expect(shared.isSuperset(of: ["pid", "net", "ipc", "uts"]), "\(name(pod)): shared \(shared)")
            #expect(own.contains("mnt"), "\(name(pod)): own \(own)")
            #expect((namespaces["anomalies"] as? [Any])?.isEmpty == true, "\(name(pod)): \(namespaces["anomalies"] ?? [])")
        }
        let text = try ToolBinary.run(["inspect", demo.bundle, "--pod", "shop/db-0"]).stdout
        #expect(text.contains("no (own)"))
        #expect(text.range(of: #"net\s+(\d+)\s+\1\s+yes"#, options: .regularExpression) != nil, "\(text)")
    }

    @Test("the run: tool, who, cluster, profile, selection and counts by outcome; --pod shows one pod")
    func runAndPodFilter() throws {
        let demo = try DemoBundle.get()
        let text = try ToolBinary.run(["inspect", demo.bundle]).stdout
        #expect(text.contains("Tool:      kubectl-evidence"), "\(text.prefix(800))")
        #expect(text.contains("Who:       admin"))
        #expect(text.contains("Selection: namespace shop, -l app in (checkout,db)"))
        #expect(text.contains("Pods:      5 selected: 5 collected, 0 failed, 0 skipped, 0 interrupted"))
        #expect(text.contains("Signature: present, not checked"))
        // The overview: one row per pod; a db pod runs one process, nc, with one listener and no connection.
        #expect(text.contains("NAMESPACE   POD"))
        #expect(text.range(of: #"\nshop\s+db-0\s+collected\s+Collected\s+1\s+1\s+0\s+0\s+0\n"#, options: .regularExpression) != nil,
                "\(text.prefix(1500))")

        let one = pods(try inspectJSON(demo.bundle, ["--pod", "shop/db-1"]))
        #expect(one.map(name) == ["db-1"])
        let missing = try ToolBinary.run(["inspect", demo.bundle, "--pod", "shop/nope"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("has no pod \"shop/nope\""), "\(missing.stderr)")
        for bad in ["shop", "/shop/db-0", "shop/", "a//db-0", "x\u{1B}[2J/"] {
            let refused = try ToolBinary.run(["inspect", demo.bundle, "--pod", bad])
            #expect(refused.status == 64 && refused.stderr.contains("--pod must be NAMESPACE/NAME or CLUSTER/NAMESPACE/NAME"), "\(bad): \(refused.stderr)")
            #expect(!refused.stderr.contains("\u{1B}"))
        }
    }

    @Test("processes.json in the bundle is what inspect shows, and a hostile command line is escaped, never sent to the terminal")
    func hostileStringsEscaped() throws {
        let demo = try DemoBundle.get()
        let report = try inspectJSON(demo.bundle, ["--pod", "shop/db-0"])
        let pod = try #require(pods(report).first)
        let target = try #require((pod["pod"] as? [String: Any])?["targetContainer"] as? String)
        var processes = try #require(pod["processes"] as? [String: Any])
        var list = try #require(processes["processes"] as? [[String: Any]])
        list[0]["commandLine"] = "evil\u{1B}]0;owned\u{07}\u{1B}[2J\u{9B}31m\u{202E}gnp.exe"
        // Forged parents: a cycle and a process that is its own parent still give a finite tree with every pid.
        for (pid, ppid) in [(100, 101), (101, 100), (102, 102)] {
            var forged = list[0]
            forged["pid"] = pid
            forged["ppid"] = ppid
            forged["commandLine"] = "forged-\(pid)"
            list.append(forged)
        }
        processes["processes"] = list
        var bundle = demo.bundle
        for (file, object) in [("processes.json", processes), ("sockets.json", pod["sockets"] as Any), ("namespaces.json", pod["namespaces"] as Any)] {
            let data = try JSONSerialization.data(withJSONObject: object)
            let next = demo.path("hostile") + ".tar.gz"
            try TarRewrite.rewrite(bundle, to: next, .put, "pods/shop/db-0/containers/\(target)/\(file)",
                                   text: String(decoding: data, as: UTF8.self))
            bundle = next
        }
        let result = try ToolBinary.run(["inspect", bundle, "--pod", "shop/db-0"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B || $0.value == 0x202E })
        #expect(result.stdout.contains(#"evil\u{1B}]0;owned\u{07}\u{1B}[2J\u{9B}31m\u{202E}gnp.exe"#), "\(result.stdout)")
        #expect(!result.stdout.contains("rebuilt from evidence.raw"))
        for pid in [100, 101, 102] {
            #expect(result.stdout.components(separatedBy: "forged-\(pid)").count == 2, "pid \(pid) must appear once: \(result.stdout)")
        }
        let json = try inspectJSON(bundle, ["--pod", "shop/db-0"])
        #expect(pods(json).first?["evidenceSource"] as? String == "bundle-files")
    }

    @Test("a forged unix socket row is a counted warning in the pod's text and --json; an unverified unix table is said in one sentence")
    func socketAnomalies() throws {
        let demo = try DemoBundle.get()
        // The machine's own /proc/net/unix with a forged row, read twice: with
        // this process's fd links (verified: the row is read as the rest of
        // the socket's name) and without (unverifiable: the row stays a socket).
        let real = try ForgedUnixSocket(forgedInode: 3_999_999_995)
        let verified: SocketTable
        let unverifiable: SocketTable
        do {
            defer { real.close() }
            verified = try ForgedUnixSocket.sockets(fds: true)
            unverifiable = try ForgedUnixSocket.sockets(fds: false)
        }
        let forged = try #require(verified.anomalies.first { $0.kind == .unixPathWithNewline && $0.inodes.first == real.inode },
                                  "\(verified.anomalies)")
        #expect(verified.unixVerification == .verified && unverifiable.unixVerification == .unverifiable)

        var bundle = demo.bundle
        for (pod, table) in [("db-0", verified), ("db-1", unverifiable)] {
            let entry = try #require(pods(try inspectJSON(demo.bundle, ["--pod", "shop/\(pod)"])).first?["pod"] as? [String: Any])
            let target = try #require(entry["targetContainer"] as? String)
            let next = demo.path("sockets-\(pod)") + ".tar.gz"
            try TarRewrite.rewrite(bundle, to: next, .put, "pods/shop/\(pod)/containers/\(target)/sockets.json",
                                   text: String(decoding: try EvidenceJSON.encode(table), as: UTF8.self))
            bundle = next
        }

        let text = try ToolBinary.run(["inspect", bundle]).stdout
        func section(_ pod: String) -> String {
            guard let start = text.range(of: "== Pod shop/\(pod) ==") else { return "" }
            let rest = text[start.upperBound...]
            return String(rest[..<(rest.range(of: "== Pod ")?.lowerBound ?? rest.endIndex)])
        }
        let db0 = section("db-0")
        let db1 = section("db-1")
        // The forged row is listed where the namespace anomalies are, as a warning.
        let shown = "  [warning] proc/net/unix: the unix socket at line \(forged.lines[0]) (inode \(real.inode)) is bound to a name holding a newline"
        #expect(db0.contains("\nANOMALIES ("), "\(db0)")
        #expect(db0.contains(shown), "\(db0)")
        #expect(db0.range(of: "Shared: .*\\nANOMALIES", options: .regularExpression) != nil, "below the namespaces: \(db0)")
        #expect(!db0.contains("Unix sockets were not verified"))
        // The overview counts it: db-0 has at least one anomaly now, db-1's hint is not counted.
        let row = try #require(text.split(separator: "\n").first { $0.range(of: #"^shop\s+db-0\s+collected"#, options: .regularExpression) != nil })
        let counted = row.split(separator: " ").dropLast().last.flatMap { Int($0) } ?? 0
        let warnings = verified.anomalies.filter { $0.kind != .unverifiableUnixRows }.count
        #expect(counted == warnings && counted >= 1, "\(row)")
        let row1 = try #require(text.split(separator: "\n").first { $0.range(of: #"^shop\s+db-1\s+collected"#, options: .regularExpression) != nil })
        #expect(row1.split(separator: " ").dropLast().last.flatMap { Int($0) } == unverifiable.anomalies.filter { $0.kind != .unverifiableUnixRows }.count,
                "\(row1)")
        // The unverified table says so in one plain sentence, and its suspect row is a hint.
        #expect(db1.contains("\nUnix sockets were not verified: the fd links of the pod's processes were not all read, so a row of /proc/net/unix may be the text of a socket name holding a newline rather than a socket.\n"), "\(db1)")
        #expect(db1.contains("  [hint] proc/net/unix: the fd links of the pod's processes were not all read"), "\(db1)")

        // --json: the anomalies, with the severity the text and the summary count them by.
        let json = pods(try inspectJSON(bundle))
        let sockets0 = try #require(json.first { name($0) == "db-0" }?["sockets"] as? [String: Any])
        let anomaly = try #require((sockets0["anomalies"] as? [[String: Any]])?.first { ($0["inodes"] as? [Int])?.first == Int(real.inode) })
        #expect(anomaly["severity"] as? String == "warning")
        #expect(anomaly["message"] as? String == forged.message)
        let sockets1 = try #require(json.first { name($0) == "db-1" }?["sockets"] as? [String: Any])
        #expect(sockets1["unixVerification"] as? String == "unverifiable")
        #expect((sockets1["anomalies"] as? [[String: Any]])?.contains { $0["kind"] as? String == "unverifiable unix rows" && $0["severity"] as? String == "hint" } == true)

        // Both sockets.json documents match the schema `schema sockets` prints (the demo's pods have no socket anomaly to check).
        let directory = demo.path("socket-schema")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try ToolBinary.run(["schema", "sockets"]).stdout.write(toFile: directory + "/sockets.schema.json", atomically: true, encoding: .utf8)
        for (file, table) in [("verified", verified), ("unverifiable", unverifiable)] {
            try Data(try EvidenceJSON.encode(table)).write(to: URL(fileURLWithPath: "\(directory)/\(file).json"))
        }
        let check = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1] + "/sockets.schema.json"))
            for name in ("verified", "unverifiable"):
                jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[1] + "/" + name + ".json")))
            """, directory])
        #expect(check.status == 0, "\(check.stderr)")
    }

    @Test("a hostile archive is refused with a clear error naming the entry, and nothing is unpacked", arguments: [
        ("dotdot", "has a \"..\" component"),
        ("absolute", "is an absolute path"),
        ("symlink", "is a symbolic link to"),
        ("escape", "has control characters in its name"),
    ])
    func hostileArchive(kind: String, expected: String) throws {
        let demo = try DemoBundle.get()
        let directory = demo.path("hostile-\(kind)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let archive = directory + "/bundle.tar.gz"
        let script = #"""
        import io, sys, tarfile
        kind, path = sys.argv[1:3]
        with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as out:
            def add(name, data=b"x", type=tarfile.REGTYPE, link=""):
                info = tarfile.TarInfo(name)
                info.type = type
                info.linkname = link
                info.size = len(data) if type == tarfile.REGTYPE else 0
                out.addfile(info, io.BytesIO(data) if type == tarfile.REGTYPE else None)
            add("pods/shop/ok/pod.json", b"{}")
            if kind == "dotdot": add("pods/../../escaped.txt")
            if kind == "absolute": add("/tmp/escaped.txt")
            if kind == "symlink": add("pods/shop/ok/link", type=tarfile.SYMTYPE, link="/etc/shadow")
            if kind == "escape": add("pods/\x1b]0;owned\x07.txt")
            add("manifest.json", b"{}")
        """#
        let made = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, kind, archive])
        #expect(made.status == 0, "\(made.stderr)")
        let result = try ToolBinary.run(["inspect", archive])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: Refusing the bundle"), "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!result.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(result.stdout.isEmpty)
        // Only the archive is in its directory: nothing was unpacked.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["bundle.tar.gz"])
    }

    @Test("a pod without processes.json, sockets.json and namespaces.json (a bundle written before them) is rebuilt from its evidence.raw, by inspect and diff alike")
    func rebuiltFromRawOutput() throws {
        let demo = try DemoBundle.get()
        var bundle = demo.bundle
        for file in ["processes.json", "sockets.json", "namespaces.json"] {
            let next = demo.path("raw-only") + ".tar.gz"
            try TarRewrite.rewrite(bundle, to: next, .remove, "pods/shop/db-0/containers/db/\(file)")
            bundle = next
        }
        let original = try inspectJSON(demo.bundle)
        let stripped = try inspectJSON(bundle)
        for (before, after) in zip(pods(original), pods(stripped)) {
            #expect(name(before) == name(after))
            #expect(after["evidenceSource"] as? String == (name(after) == "db-0" ? "evidence.raw" : "bundle-files"), "\(name(after))")
            // The same evidence, whether read from the files or rebuilt from the raw output.
            for part in ["processes", "sockets", "namespaces"] {
                #expect((before[part] as? NSDictionary) == (after[part] as? NSDictionary), "\(name(after)): \(part)")
            }
        }
        let text = try ToolBinary.run(["inspect", bundle, "--pod", "shop/db-0"]).stdout
        #expect(text.contains("rebuilt from evidence.raw"), "\(text.prefix(2000))")
        #expect(text.contains("[::]:5432   1/nc"), "\(text.prefix(2000))")
        // diff reads it the same way: the db replicas are still alike.
        let diff = try ToolBinary.run(["diff", "--replicas", bundle, "--json"])
        #expect(diff.status == 1, "\(diff.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as? [String: Any])
        let groups = (report["replicas"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
        let db = try #require(groups.first { $0["workload"] as? String == "StatefulSet/db" }, "\(groups)")
        #expect(db["replicas"] as? Int == 2)
        #expect((db["odd"] as? [Any])?.isEmpty == true, "\(db)")
    }
}

/// `inspect --html`: one page for a ticket, checked in a real headless browser.
@Suite("inspect --html")
struct InspectHTMLEndToEndTests {
    @Test("the demo bundle's page: who/where/verify/signature first, then what needs attention, then every pod with its process tree and listeners")
    func page() throws {
        let demo = try DemoBundle.get()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-html-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = directory.appendingPathComponent("report.html").path
        let result = try ToolBinary.run(["inspect", demo.bundle, "--html", html])
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try BundleReader(path: demo.bundle).manifest()
        let dom = try HeadlessChromium.dumpDOM(html)
        // The script ran: one <details> per pod.
        #expect(dom.contains("data-ready=\"\(manifest.pods.count)\""), "\(dom.prefix(600))")
        for label in ["<th>Who</th>", "<th>Cluster</th>", "<th>Profile</th>", "<th>Verify</th>", "<th>Signature</th>", "<th>Report made</th>"] {
            #expect(dom.contains(label), "no \(label)")
        }
        #expect(dom.contains("<span class=\"ok\">intact</span>: all \(manifest.files.count) files match the manifest"))
        let attention = try #require(dom.range(of: "Needs attention"))
        let pods = try #require(dom.range(of: "<h2>Pods</h2>"))
        #expect(attention.lowerBound < pods.lowerBound, "what needs attention comes first")
        #expect(dom.contains("httpd -f -p 8080"))
        #expect(dom.contains("[::]:8080") || dom.contains("0.0.0.0:8080"), "the checkout listener is in the page")
        // Nothing from the bundle became markup: no stray tags from pod text.
        #expect(!dom.contains("<script>alert"))
    }
}
