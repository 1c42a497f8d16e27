import Bundle
import Foundation
import Testing
import TestSupport

/// `diff` as a user runs it, on bundles collected from the lab: a process
/// started inside one pod between two collections must be exactly what diff
/// reports, and `--replicas` must single out the demo's odd checkout replica.
@Suite("diff")
struct DiffEndToEndTests {
    private func collect(_ lab: LabProcess, _ bundle: String) throws {
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=checkout", "-q", "-o", bundle],
                                        timeout: 180)
        guard result.status == 0 else { throw TestFailure("collect failed (\(result.status)): \(result.stderr)\n\(result.stdout)") }
    }

    private func json(_ result: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                     "diff --json printed: \(result.stdout.prefix(500)) \(result.stderr)")
    }

    /// Checks a `diff --json` output against `kubectl-evidence schema diff` with Python's jsonschema.
    private func validate(_ output: String) throws {
        let schema = try ToolBinary.run(["schema", "diff"])
        #expect(schema.status == 0, "\(schema.stderr)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diff-schema-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try schema.stdout.write(toFile: directory + "/schema.json", atomically: true, encoding: .utf8)
        try output.write(toFile: directory + "/report.json", atomically: true, encoding: .utf8)
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1])); jsonschema.Draft202012Validator.check_schema(schema)
            errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
            sys.exit("; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]) if errors else 0)
            """
        let check = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, directory + "/schema.json", directory + "/report.json"])
        #expect(check.status == 0, "diff --json does not match its schema: \(check.stderr)")
    }

    @Test("a process started in one pod between two collections: diff reports that process and its listener in that pod, and nothing else")
    func processStartedBetweenCollections() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let old = lab.bundlePath("old")
        try collect(lab, old)
        let manifest = try BundleReader(path: old).manifest()
        let target = try #require(manifest.pods.sorted { $0.name < $1.name }.first)

        // Start `nc -ll -p 7777` inside the pod's app container: all its namespaces and its root,
        // as a process someone started in it would be. As uid 1000: nsenter keeps every
        // capability of the host's root, which no process started in a container has (and
        // which would rightly be flagged as able to reach the evidence).
        let containerID = try lab.kubectl(["get", "pod", "-n", target.namespace, target.name, "-o",
                                           "jsonpath={.status.containerStatuses[?(@.name==\"\(target.targetContainer)\")].containerID}"]).stdout
        let appPid = try HostProcesses.appContainerInit(podUID: target.uid, containerID: containerID)
        let nc = Process()
        nc.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        nc.arguments = ["-t", String(appPid), "-p", "-n", "-m", "-i", "-u", "-C", "-r", "-S", "1000", "-G", "1000", "/bin/busybox", "nc", "-ll", "-p", "7777", "-e", "cat"]
        nc.standardInput = FileHandle.nullDevice
        nc.standardOutput = FileHandle.nullDevice
        nc.standardError = FileHandle.nullDevice
        try nc.run()
        defer { HostProcesses.stop(nsenter: nc) }
        try HostProcesses.waitForListener(port: 7777, inNetworkNamespaceOf: appPid)

        let new = lab.bundlePath("new")
        try collect(lab, new)
        let result = try ToolBinary.run(["diff", old, new, "--json"])
        #expect(result.status == 1, "\(result.stderr)")
        let report = try json(result)
        try validate(result.stdout)
        #expect(report["mode"] as? String == "diff")
        #expect(report["differs"] as? Bool == true)
        let comparison = try #require((report["comparisons"] as? [[String: Any]])?.first)
        #expect((comparison["onlyInOld"] as? [Any])?.isEmpty == true)
        #expect((comparison["onlyInNew"] as? [Any])?.isEmpty == true)
        #expect((comparison["unchanged"] as? [Any])?.count == manifest.pods.count - 1)
        let pods = try #require(comparison["pods"] as? [[String: Any]])
        #expect(pods.count == 1, "\(pods)")
        let pod = try #require(pods.first)
        #expect((pod["new"] as? [String: Any])?["name"] as? String == target.name)
        #expect(pod["matchedBy"] as? String == "uid")
        func items(_ field: String, _ side: String) -> [[String: Any]] {
            (pod[field] as? [String: Any])?[side] as? [[String: Any]] ?? []
        }
        let processes = items("processes", "added")
        #expect(processes.count == 1, "\(processes)")
        #expect((processes.first?["text"] as? String)?.hasSuffix("nc -ll -p 7777 -e cat") == true, "\(processes)")
        #expect(items("listeners", "added").map { $0["key"] as? String } == ["tcp [::]:7777"])
        for (field, side) in [("processes", "removed"), ("listeners", "removed"), ("connections", "added"), ("connections", "removed"),
                              ("anomalies", "added"), ("anomalies", "removed")] {
            #expect(items(field, side).isEmpty, "\(field) \(side): \(items(field, side))")
        }
        for field in ["namespaces", "restarts", "images", "notes"] {
            #expect((pod[field] as? [Any])?.isEmpty == true, "\(field): \(pod[field] ?? "")")
        }

        // The same as text, exit status 1.
        let text = try ToolBinary.run(["diff", old, new])
        #expect(text.status == 1)
        #expect(text.stdout.contains("pod shop/\(target.name) (container app)"), "\(text.stdout)")
        #expect(text.stdout.contains("+ listener tcp [::]:7777"), "\(text.stdout)")
        #expect(text.stdout.contains("1 pod changed, \(manifest.pods.count - 1) unchanged"), "\(text.stdout)")
        #expect(!text.stdout.contains("\u{1B}"), "no colour when stdout is not a terminal")

        // --ignore-process hides it, and then nothing differs: exit 0.
        let ignored = try ToolBinary.run(["diff", old, new, "--ignore-process", "*nc -ll -p 7777*"])
        #expect(ignored.status == 0, "\(ignored.stdout)\(ignored.stderr)")
        #expect(ignored.stdout.contains("No differences in \(manifest.pods.count) matched pods."), "\(ignored.stdout)")

        // A timeline old → new → old: the listener appears, then is gone.
        let timelineResult = try ToolBinary.run(["diff", old, new, old, "--json"])
        try validate(timelineResult.stdout)
        let timeline = try json(timelineResult)
        let steps = try #require(timeline["comparisons"] as? [[String: Any]])
        #expect(timeline["mode"] as? String == "timeline")
        #expect(steps.count == 2)
        let back = (steps.last?["pods"] as? [[String: Any]])?.first?["listeners"] as? [String: Any]
        #expect((back?["removed"] as? [[String: Any]])?.map { $0["key"] as? String } == ["tcp [::]:7777"])

        // The HTML report renders in a real headless browser, its script runs, and hostile-looking text stays text.
        let html = lab.directory.appendingPathComponent("diff.html").path
        let withHTML = try ToolBinary.run(["diff", old, new, "--html", html])
        #expect(withHTML.status == 1)
        let dom = try HeadlessChromium.dumpDOM(html)
        #expect(dom.contains("data-ready=\"1\""), "the page's script did not run: \(dom.prefix(600))")
        #expect(dom.contains("tcp [::]:7777"))
        #expect(dom.contains("<details class=\"pod\" open=\"\">"), "\(dom.prefix(2000))")
        // The header says which bundles, from where, by whom, with which profile and digests, and the totals come first.
        for label in ["<th>Old</th>", "<th>New</th>", "<th>Report made</th>"] { #expect(dom.contains(label), "no \(label)") }
        #expect(dom.contains("profile standard"))
        #expect(dom.contains("manifest sha256 \(try BundleReader(path: new).verify().manifestSHA256)"))
        #expect(dom.contains("<p class=\"totals\">1 pod changed"), "\(dom.prefix(3000))")
    }

    @Test("--replicas on the demo bundle ranks the checkout replica with the extra listener on 4444 first and names it")
    func replicas() throws {
        let demo = try DemoBundle.get()
        let result = try ToolBinary.run(["diff", "--replicas", demo.bundle, "--json"])
        #expect(result.status == 1, "\(result.stderr)")
        let report = try json(result)
        try validate(result.stdout)
        let groups = try #require((report["replicas"] as? [String: Any])?["groups"] as? [[String: Any]])
        let checkout = try #require(groups.first { ($0["workload"] as? String)?.hasPrefix("ReplicaSet/checkout-") == true })
        #expect(checkout["replicas"] as? Int == 3)
        let odd = try #require((checkout["odd"] as? [[String: Any]])?.first, "\(checkout)")
        let extra = odd["extra"] as? [[String: Any]] ?? []
        #expect(extra.contains { $0["key"] as? String == "tcp [::]:4444" }, "\(odd)")
        #expect(extra.contains { ($0["text"] as? String)?.contains("nc -ll -p 4444") == true }, "\(odd)")
        // The odd pod is the one that really listens on 4444 (from its own sockets.json).
        let oddName = try #require((odd["pod"] as? [String: Any])?["name"] as? String)
        let contents = try BundleContents(path: demo.bundle)
        #expect(contents.listeningPorts(namespace: "shop", pod: oddName, container: "app").contains(4444))
        // The db replicas are alike.
        let db = try #require(groups.first { $0["workload"] as? String == "StatefulSet/db" })
        #expect((db["odd"] as? [Any])?.isEmpty == true, "\(db)")

        let text = try ToolBinary.run(["diff", "--replicas", demo.bundle]).stdout
        #expect(text.contains("#1 \(oddName) stands out"), "\(text)")
        #expect(text.contains("+ listener tcp [::]:4444"), "\(text)")
    }

    @Test("errors exit 2: a missing bundle, a wrong number of bundles")
    func errors() throws {
        let missing = try ToolBinary.run(["diff", "/nonexistent/a.tar.gz", "/nonexistent/b.tar.gz"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/a.tar.gz"), "\(missing.stderr)")
        #expect(try ToolBinary.run(["diff", "/nonexistent/a.tar.gz"]).status == 2)
        #expect(try ToolBinary.run(["diff", "--replicas", "a", "b"]).status == 2)
    }
}

/// The lab's pods as processes on this host, found in /proc.
enum HostProcesses {
    /// The host pid of a container's first process (pid 1 in its pid
    /// namespace), found by the pod's UID and the container's runtime id in
    /// the cgroup the lab puts it in (`…/kubelab/pod<uid>/<id>`, as the
    /// kubelet's cgroupfs driver names it). Its root says nothing: as on a
    /// real node, the container's root is the root of its own mount namespace.
    static func appContainerInit(podUID: String, containerID: String) throws -> Int32 {
        let id = containerID.components(separatedBy: "://").last ?? containerID
        let entries = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init)
        for pid in entries {
            guard let cgroups = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8),
                  cgroups.split(separator: "\n").contains(where: { $0.hasSuffix("/kubelab/pod\(podUID)/\(id)") }),
                  let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let nspid = status.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }),
                  nspid.split(whereSeparator: { $0 == "\t" || $0 == " " }).last == "1"
            else { continue }
            return pid
        }
        throw TestFailure("no process on this host is in the cgroup of pod \(podUID)'s container \(id) with pid 1 in its namespace")
    }

    /// Ends a process started through nsenter: nsenter blocks SIGTERM and
    /// waits for its child (the process in the pod), so the child is killed
    /// (by its pid, read from /proc), and nsenter then exits with it.
    static func stop(nsenter: Process) {
        guard nsenter.isRunning else { return }
        let pid = nsenter.processIdentifier
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        for child in children.split(separator: " ").compactMap({ Int32($0) }) { kill(child, SIGKILL) }
        if children.isEmpty { kill(pid, SIGKILL) }
        nsenter.waitUntilExit()
    }

    /// Waits (10 s at most) until a TCP listener on `port` shows in the network namespace of `pid`.
    static func waitForListener(port: Int, inNetworkNamespaceOf pid: Int32) throws {
        let hex = String(format: ":%04X ", port)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            for table in ["tcp", "tcp6"] {
                let text = (try? String(contentsOfFile: "/proc/\(pid)/net/\(table)", encoding: .utf8)) ?? ""
                if text.split(separator: "\n").contains(where: { $0.contains(hex) && $0.contains(" 0A ") }) { return }
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("nothing listened on port \(port) in the network namespace of pid \(pid) within 10 s")
    }
}

/// Debian's chromium, headless: renders a page and prints its DOM after the scripts ran.
enum HeadlessChromium {
    static func dumpDOM(_ file: String) throws -> String {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            throw TestFailure("Chromium is not installed (Debian: apt-get install chromium; scripts/setup does it): the HTML report is checked in a real browser.")
        }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let result = try ProcessRunner.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)",
                                                      "--enable-logging=stderr", "--v=0", "--dump-dom", URL(fileURLWithPath: file).absoluteString],
                                           timeout: 90)
        guard result.status == 0 else { throw TestFailure("chromium failed (\(result.status)): \(result.stderr.suffix(2000))") }
        if result.stderr.contains("Uncaught") || result.stderr.contains("Refused to") {
            throw TestFailure("chromium reported errors on the page: \(result.stderr.suffix(2000))")
        }
        return result.stdout
    }
}
