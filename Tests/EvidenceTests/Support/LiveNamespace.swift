import Evidence
import Foundation

/// Runs a busybox sh scenario as pid 1 of fresh namespaces made with
/// unshare(1), then the real in-pod script (scripts/evidence-collect.sh) in
/// there, and returns what the script wrote, read back with ``FrameDecoder``,
/// with the pids the scenario noted in `$DIR/pids` ("name pid" lines).
struct LiveNamespace {
    struct Run {
        var evidence: GatheredEvidence
        var pids: [String: Int]
        var output: [UInt8]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let script = repoRoot.appendingPathComponent("scripts/evidence-collect.sh").path

    /// `unshareFlags`: the namespaces pid 1 of the scenario gets.
    /// `scenario`: busybox sh lines that start processes (with `$B` = busybox,
    /// `$DIR` = a private directory); `collector`: the command prefix that
    /// runs the script (e.g. `unshare --mount`), empty for none.
    static func run(unshareFlags: [String], scenario: String, collector: String = "",
                    ready: String = "true") throws -> Run {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evidence-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        let body = """
        B=/bin/busybox
        DIR=\(dir.path)
        $B ip link set lo up 2>/dev/null
        waitfor() { n=0; while [ $n -lt 100 ]; do if eval "$1"; then return 0; fi; $B sleep 0.05; n=$((n + 1)); done; echo "timed out waiting for: $1" >&2; return 1; }
        \(scenario)
        i=0
        while [ $i -lt 100 ]; do
            if \(ready); then break; fi
            $B sleep 0.05
            i=$((i + 1))
        done
        EVIDENCE_TERMINATION_LOG=- \(collector) /bin/busybox sh \(script) > $DIR/out.bin 2> $DIR/err.txt
        echo $? > $DIR/rc
        """
        try body.write(to: dir.appendingPathComponent("scenario.sh"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["60", "/usr/bin/unshare"] + unshareFlags + ["/bin/busybox", "sh", dir.appendingPathComponent("scenario.sh").path]
        try process.run()
        process.waitUntilExit()
        let rc = (try? String(contentsOf: dir.appendingPathComponent("rc"), encoding: .utf8)) ?? "none"
        let err = (try? String(contentsOf: dir.appendingPathComponent("err.txt"), encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0, rc.trimmingCharacters(in: .whitespacesAndNewlines) == "0" else {
            throw Failure(description: "the scenario in unshare \(unshareFlags) ended with status \(process.terminationStatus), the script with \(rc): \(err)")
        }
        let output = Array(try Data(contentsOf: dir.appendingPathComponent("out.bin")))
        var pids: [String: Int] = [:]
        if let text = try? String(contentsOf: dir.appendingPathComponent("pids"), encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let f = line.split(separator: " ")
                if f.count == 2, let pid = Int(f[1]) { pids[String(f[0])] = pid }
            }
        }
        // The decoder collect uses, and nothing less than a whole, cleanly framed stream.
        let frames = FrameDecoder().decode(output)
        guard frames.isIntact else {
            throw Failure(description: "the script's output does not frame cleanly: \(frames.errors.prefix(3).map(\.description).joined(separator: "; "))")
        }
        return Run(evidence: frames.gatheredEvidence, pids: pids, output: output)
    }
}
