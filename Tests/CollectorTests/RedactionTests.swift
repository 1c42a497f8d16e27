import Evidence
import Foundation
import KubeAPI
import Testing
@testable import Collector

/// Secrets are masked before the bundle is written, in a real pod object and a
/// real evidence log recorded from a v1.36 cluster (Tests/Fixtures/k8s/README.md).
@Suite("Redaction of a real pod and a real evidence log")
struct RedactionTests {
    static let secrets = ["hunter2", "tok-9f8e7d", "pgsecret"]

    @Test("pod.json: env values, last-applied-configuration and secret argv values are masked; names, valueFrom and the rest stay")
    func podObject() throws {
        let original = try Fixtures.bytes("pods/pod-with-secrets.json")
        #expect(Self.secrets.allSatisfy { String(decoding: original, as: UTF8.self).contains($0) })
        let (masked, findings) = PodJSONRedaction.redact(original)
        let text = String(decoding: masked, as: UTF8.self)
        for secret in Self.secrets { #expect(!text.contains(secret), "\(secret) is still in pod.json") }
        #expect(findings.map(\.location) == [
            "metadata.annotations[kubectl.kubernetes.io/last-applied-configuration]",
            "spec.containers[app].env[DB_PASSWORD].value", "spec.containers[app].env[LOG_LEVEL].value",
            "spec.containers[app].command[4]", "spec.containers[app].args[0]", "spec.containers[app].args[1]",
        ])
        #expect(findings.map(\.rule) == [
            "last-applied-configuration", "env-value", "env-value", "secret-option-value", "secret-option-next-argument", "url-password",
        ])
        // Still the same pod for every reader: it decodes, with names, references and other arguments kept.
        let pod = try Pod.decode(json: masked)
        #expect(pod.metadata.name == "billing-worker")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(masked)) as? [String: Any])
        let container = try #require(((object["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first)
        let env = try #require(container["env"] as? [[String: Any]])
        #expect(env.map { $0["name"] as? String } == ["DB_PASSWORD", "LOG_LEVEL", "API_KEY"])
        #expect(env[0]["value"] as? String == PodJSONRedaction.marker)
        #expect(((env[2]["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any])?["name"] as? String == "billing")
        #expect(container["command"] as? [String] == ["sh", "-c", "sleep 3600; :", "worker", "--db-password=*******", "--api-token"])
        #expect(container["args"] as? [String] == [
            "**********", "--db-url=postgres://billing:********@db:5432/billing", "--sort-key=name", "--token-file=/var/run/token",
        ])
        #expect(((object["status"] as? [String: Any])?["phase"] as? String) == "Running")
    }

    @Test("a pod with nothing to hide is kept byte for byte")
    func nothingToHide() throws {
        let original = try Fixtures.bytes("pods/pod-running.json")
        let (kept, findings) = PodJSONRedaction.redact(original)
        #expect(findings.isEmpty)
        #expect(kept == original)
    }

    @Test("evidence log: the digest matches as read; masked, it still frames whole and only the secrets' base64 changed")
    func evidenceLog() throws {
        let log = try Fixtures.bytes("pods/evidence-log-with-secrets.txt")
        let digest = "sha256:e3af9f7ea888560fad6c7f088ce27d7dd787938bcb0c15026461d86edab7bc99 bytes:15017"
        #expect(OutputIntegrity.verify(log: log, terminationMessage: digest).isVerified)

        let (masked, findings, returned) = EvidenceLogRedaction.redact(log)
        #expect(masked.count == log.count)
        let stream = LogTransport.unwrap(masked)
        #expect(stream.problem == nil)
        let streamText = String(decoding: stream.stream, as: UTF8.self)
        for secret in Self.secrets { #expect(!streamText.contains(secret), "\(secret) is still in evidence.raw") }
        #expect(findings.count == 3)
        #expect(Set(findings.map(\.rule)) == ["secret-option-value", "secret-option-next-argument", "url-password"])
        #expect(findings.allSatisfy { $0.location.hasPrefix("proc/") && $0.location.contains("/cmdline argv[") })

        let frames = FrameDecoder().decode(masked)
        #expect(frames.isIntact, "\(frames.errors)")
        // The records handed back are those of the masked log: no second decode is needed.
        #expect(returned == frames)
        let cmdline = try #require(frames.records.first { $0.kind == .file && $0.key.hasSuffix("/cmdline") && $0.payload.starts(with: Array("sh\0-c\0sleep".utf8)) })
        let argv = cmdline.payload.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(argv.contains("--db-password=*******"))
        #expect(argv.contains("--db-url=postgres://billing:********@db:5432/billing"))
        #expect(argv.contains("--token-file=/var/run/token"))
        // Only the base64 groups that hold masked bytes differ.
        let changed = zip(log, masked).filter { $0 != $1 }.count
        #expect(changed > 0 && changed <= 4 * (7 + 10 + 8 + 6))
        // Every other record is as read.
        let before = FrameDecoder().decode(log)
        #expect(before.records.count == frames.records.count)
        #expect(zip(before.records, frames.records).filter { $0.payload != $1.payload }.count == 1)
    }
}
