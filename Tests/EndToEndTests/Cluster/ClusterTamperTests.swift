import Bundle
import Foundation
import Testing

/// The first attack of the forgery issue, as a pod: a hardened workload (pod-level
/// runAsUser 65534, every capability dropped) runs a "miner" whose command line says
/// EVILMARKER and a loop that overwrites every file it can reach under any process's
/// /proc/<pid>/root/tmp/evidence.* with "harmless00". Once the evidence container shared
/// its uid, the bundle showed the forged argv and verified. Now it must show what the
/// kernel has.
@Suite("end to end on a cluster: a pod that tries to rewrite its own evidence", .serialized)
struct ClusterTamperTests {
    /// The marker and the forgery are assembled at run time, so that neither is in the
    /// attacker's own command line (`$$` is the kubelet's escape for `$`).
    private static let attack = """
        m=EVIL; sh -c 'sleep 3600; :' "$${m}MARKER-miner" &
        h=harm
        while true; do
          for f in /proc/[0-9]*/root/tmp/evidence.*/* /proc/[0-9]*/root/tmp/evidence.*/*/* /proc/[0-9]*/root/tmp/evidence.*/*/*/*; do
            [ -f "$$f" ] && printf "$${h}less00" | dd of="$$f" bs=1 conv=notrunc 2>/dev/null && echo "rewrote $$f"
          done
          sleep 0.01
        done
        """

    @Test("standard and restricted: the bundle shows the kernel's argv, not the forgery, and verifies; no shared-uid anomaly")
    func rewriteFails() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "tamper-\(UUID().uuidString.prefix(6).lowercased())"
        let name = try cluster.createPod(
            namespace: "shop", prefix: label, labels: ["e2e": label], command: ["sh", "-c", Self.attack], hardenedUID: 65534)
        defer { _ = try? cluster.kubectl(["delete", "pod", "-n", "shop", name, "--wait=false"]) }

        for profile in ["standard", "restricted"] {
            let output = cluster.bundlePath(profile)
            let result = try cluster.collect(["-n", "shop", "-l", "e2e=\(label)", "--profile", profile, "--quiet"], output: output)
            #expect(result.status == 0, "\(profile): \(result.stderr)")
            let bundle = try BundleContents(path: output)
            let entry = try #require(bundle.manifest.pods.first)
            #expect(entry.outcome == .collected, "\(profile): \(entry.message)")
            #expect(!entry.message.contains("may be altered"), "\(profile): \(entry.message)")
            let argvs = bundle.processes(namespace: "shop", pod: name, container: "app").values.map { $0.joined(separator: " ") }
            #expect(argvs.contains { $0.contains("EVILMARKER-miner") }, "\(profile): \(argvs)")
            #expect(!argvs.contains { $0.contains("harmless00") }, "\(profile): \(argvs)")
            let processes = String(decoding: bundle.files["pods/shop/\(name)/containers/app/processes.json"] ?? [], as: UTF8.self)
            #expect(processes.contains("EVILMARKER-miner") && !processes.contains("harmless00"), "\(profile)")
            let namespaces = String(decoding: bundle.files["pods/shop/\(name)/containers/app/namespaces.json"] ?? [], as: UTF8.self)
            #expect(!namespaces.contains("evidence-uid-shared"), "\(profile): \(namespaces)")
            #expect(try BundleReader(path: output).verify().isIntact, "\(profile)")
        }
        // The attacker really ran, and reached nothing of the evidence.
        let log = try cluster.kubectlOK(["logs", "-n", "shop", name, "-c", "app"])
        #expect(!log.contains("rewrote"), "\(log)")
    }
}
