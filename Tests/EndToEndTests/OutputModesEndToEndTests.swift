import Bundle
import Foundation
import Testing
import TestSupport

/// Where a run's results go: `-o -` streams the bundle to a pipe (the summary
/// to stderr); `--json` prints the summary as JSON; the text summary gives the
/// bundle's size and how long the run took.
@Suite("collect: -o -, --json and the summary")
struct OutputModesEndToEndTests {
    @Test("-o - piped: stdout is exactly a verifiable bundle, the summary is on stderr, no temporary file is left")
    func bundleToStandardOutput() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let temporary = lab.directory.appendingPathComponent("tmp").path
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let piped = lab.bundlePath("piped")
        // The shell pipes stdout into a file through cat, as an upload would read it.
        let command = "'\(ToolBinary.path)' collect --kubeconfig '\(lab.kubeconfig)' -n shop -l app=checkout -o - | cat > '\(piped)'"
        let result = try ProcessRunner.run("/bin/sh", ["-c", command], environment: ["TMPDIR": temporary, "PATH": "/usr/bin:/bin"], timeout: 180)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("Bundle: standard output ("), "\(result.stderr)")
        #expect(result.stderr.contains("Collected 3 of 3 planned pods"))
        #expect(try BundleReader(path: piped).verify().isIntact)
        #expect(try BundleReader(path: piped).manifest().pods.count == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty)
    }

    @Test("-o - to a terminal, and -o - with --json, are refused before anything is touched")
    func refusals() throws {
        let both = try ToolBinary.run(["collect", "--kubeconfig", "/nonexistent", "-l", "app=x", "-o", "-", "--json"])
        #expect(both.status == 64)
        #expect(both.stderr.contains("drop --json"), "\(both.stderr)")
    }

    @Test("--json: one JSON document on stdout with counts, each pod's outcome and the bundle's digest and size; the text summary gives size and duration")
    func summaryAsJSON() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=checkout", "-o", output, "--json"],
                                        timeout: 180)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "stdout: \(result.stdout)")
        #expect(json["kind"] as? String == "CollectionSummary")
        #expect(json["exitStatus"] as? Int == 0)
        let counts = try #require(json["counts"] as? [String: Int])
        #expect(counts["planned"] == 3 && counts["collected"] == 3)
        let bundle = try #require(json["bundle"] as? [String: Any])
        let manifest = BundleReader(path: output)
        #expect(bundle["manifestSHA256"] as? String == (try manifest.verify().manifestSHA256))
        let size = (try FileManager.default.attributesOfItem(atPath: output))[.size] as? Int
        #expect(bundle["sizeBytes"] as? Int == size)
        #expect((json["pods"] as? [[String: Any]])?.count == 3)
        #expect((json["durationSeconds"] as? Double ?? 0) > 0)

        let text = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=checkout", "-o", lab.bundlePath()],
                                      timeout: 180)
        #expect(text.stdout.range(of: #"Bundle: \S+ \(\d+(\.\d)? KiB, 15 files; manifest SHA-256 [0-9a-f]{64}\), written in \d+\.\d s\."#,
                                  options: .regularExpression) != nil, "\(text.stdout)")
    }
}

/// A slow start must not look like a hang: in a log (no terminal), every event
/// has its time, and every 10 s a line says what the pods are waiting for.
@Suite("collect: progress during a slow start")
struct SlowStartProgressTests {
    @Test("containers that take 12 s to start: a 'still waiting' line names ContainerCreating and the pods")
    func waitingIsExplained() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        try lab.setFaults(#"{"containerStartDelayMilliseconds": 12000}"#)
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=checkout", "-o", lab.bundlePath()],
                                        timeout: 180)
        #expect(result.status == 0, "\(result.stderr)")
        let stillWaiting = result.stderr.split(separator: "\n").filter { $0.contains(" still waiting: ") }
        #expect(!stillWaiting.isEmpty, "\(result.stderr)")
        #expect(stillWaiting.first?.range(
            of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ still waiting: 0:\d\d · selected 3 · injected 3 · running 0 · collected 0 · failed 0 · waiting: ContainerCreating ×3 \(shop/checkout-[a-z0-9-]+, shop/checkout-[a-z0-9-]+, …\)$"#,
            options: .regularExpression) != nil, "\(stillWaiting)")
        let events = result.stderr.split(separator: "\n").filter { $0.contains("injected   shop/") || $0.contains("collected  shop/") }
        #expect(events.count == 6)
        #expect(events.allSatisfy { $0.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "#, options: .regularExpression) != nil }, "\(events)")
    }
}
