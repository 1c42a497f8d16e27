import Bundle
import Foundation
import Testing

/// A pod whose env and arguments hold secrets, created with kubectl apply as
/// workloads are: the bundle hides every secret by default, in pod.json, in
/// evidence.raw and in what is parsed from it, lists each mask in the
/// manifest, and verifies; `--no-redact` keeps them.
@Suite("end to end on a cluster: secrets are masked by default", .serialized)
struct ClusterRedactionTests {
    static let secrets = ["hunter2", "tok-9f8e7d", "pgsecret"]

    /// Every byte of the bundle as text, evidence.raw also decoded from its base64.
    static func allText(_ bundle: BundleContents) -> String {
        var text = ""
        for (path, bytes) in bundle.files {
            text += String(decoding: bytes, as: UTF8.self)
            if path.hasSuffix("/evidence.raw"),
               let decoded = Data(base64Encoded: String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) {
                text += String(decoding: decoded, as: UTF8.self)
            }
        }
        return text
    }

    @Test("env values, last-applied-configuration and secret argv are masked everywhere, listed in the manifest; --no-redact keeps them")
    func secretsMasked() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "redact-\(UUID().uuidString.prefix(4).lowercased())"
        let pod = try cluster.createPod(
            namespace: "shop", prefix: label, labels: ["e2e": label],
            command: ["sh", "-c", "sleep 3600; :", "worker", "--db-password=hunter2", "--api-token", "tok-9f8e7d",
                      "--db-url=postgres://billing:pgsecret@db:5432/billing"],
            env: ["DB_PASSWORD": "hunter2-env"], viaApply: true)

        let output = cluster.bundlePath("redacted")
        let result = try cluster.collect(["-n", "shop", "-l", "e2e=\(label)", "--quiet", "--token", "not-my-real-token-0000"] , output: output)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try BundleReader(path: output).verify().isIntact)
        let bundle = try BundleContents(path: output)
        let text = Self.allText(bundle)
        for secret in Self.secrets { #expect(!text.contains(secret), "\(secret) is in the bundle") }
        #expect(!text.contains("not-my-real-token-0000"), "the responder's --token is in the bundle")
        #expect(bundle.manifest.run.redacted == true)
        let entry = try #require(bundle.manifest.pods.first { $0.name == pod })
        #expect(entry.outcome == .collected, "\(entry.message)")
        #expect(entry.message.contains("masked in evidence.raw after that check"), "\(entry.message)")
        let redactions = entry.redactions ?? []
        let podJSON = "pods/shop/\(pod)/pod.json"
        #expect(redactions.contains(.init(path: podJSON, location: "spec.containers[app].env[DB_PASSWORD].value", rule: "env-value")))
        #expect(redactions.contains(.init(path: podJSON, location: "metadata.annotations[kubectl.kubernetes.io/last-applied-configuration]",
                                          rule: "last-applied-configuration")))
        #expect(redactions.filter { $0.path == podJSON && $0.location.hasPrefix("spec.containers[app].command[") }.count == 3)
        #expect(redactions.filter { $0.path.hasSuffix("/evidence.raw") }.map(\.rule).sorted()
                == ["secret-option-next-argument", "secret-option-value", "url-password"], "\(redactions)")
        // What a reader sees: the process with its argument names and masked values.
        let processes = bundle.processes(namespace: "shop", pod: pod, container: "app")
        #expect(processes.values.contains(["sh", "-c", "sleep 3600; :", "worker", "--db-password=*******", "--api-token", "**********",
                                           "--db-url=postgres://billing:********@db:5432/billing"]), "\(processes)")

        let kept = cluster.bundlePath("kept")
        let unredacted = try cluster.collect(["-n", "shop", "-l", "e2e=\(label)", "--quiet", "--no-redact"], output: kept)
        #expect(unredacted.status == 0, "\(unredacted.stderr)")
        let keptBundle = try BundleContents(path: kept)
        let keptText = Self.allText(keptBundle)
        for secret in Self.secrets { #expect(keptText.contains(secret), "--no-redact lost \(secret)") }
        #expect(keptBundle.manifest.run.redacted == false)
        #expect(keptBundle.manifest.pods.allSatisfy { $0.redactions == nil })
    }
}
