import Evidence
import Foundation
import TestSupport

/// Runs a busybox sh scenario in a ``NamespaceSandbox`` (a pod's namespaces by
/// default), then the real in-pod script (scripts/evidence-collect.sh) inside
/// them, and returns what the script wrote, read back with ``FrameDecoder``
/// (the decoder collect uses), with the pids the scenario noted in `$DIR/pids`.
struct LiveNamespace {
    struct Run {
        var evidence: GatheredEvidence
        var pids: [String: Int]
        var output: [UInt8]
    }

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let script = repoRoot.appendingPathComponent("scripts/evidence-collect.sh").path

    /// `namespaces`: unshare's flags for the scenario's namespaces. `scenario`:
    /// busybox sh lines that start processes (see ``NamespaceSandbox`` for `$B`,
    /// `$DIR`, `waitfor`); `ready`: a condition waited for (up to 5 s) before the
    /// script runs; `collector`: the command prefix that runs the script (e.g.
    /// `unshare --mount`), empty for none.
    static func run(namespaces: [String] = NamespaceSandbox.podNamespaces, scenario: String, collector: String = "",
                    ready: String = "true") throws -> Run {
        let sandbox = try NamespaceSandbox(namespaces: namespaces, setup: """
            \(scenario)
            i=0
            while [ $i -lt 100 ]; do
                if \(ready); then break; fi
                $B sleep 0.05
                i=$((i + 1))
            done
            """)
        defer { sandbox.stop() }
        let result = try sandbox.run(["/bin/busybox", "sh", "-c", "EVIDENCE_TERMINATION_LOG=- \(collector) /bin/busybox sh \(script)"])
        guard result.status == 0 else {
            throw TestFailure("The in-pod script ended with status \(result.status) in the sandbox (unshare \(namespaces.joined(separator: " "))): \(result.stderr)")
        }
        // Nothing less than a whole, cleanly framed stream.
        let frames = FrameDecoder().decode(result.stdoutBytes)
        guard frames.isIntact else {
            throw TestFailure("The script's output does not frame cleanly: \(frames.errors.prefix(3).map(\.description).joined(separator: "; "))")
        }
        return Run(evidence: frames.gatheredEvidence, pids: sandbox.pids, output: result.stdoutBytes)
    }
}
