import Bundle
import Foundation
import Testing
import TestSupport

/// `verify`, `keygen` and `collect --sign-key` as a user runs them, on a real
/// signed bundle of the lab's demo pods, tampered with Python's tarfile.
@Suite("verify and signatures")
struct VerifyEndToEndTests {
    /// The verify report as JSON, and the exit status.
    private func verify(_ bundle: String, _ extra: [String] = []) throws -> (status: Int32, report: [String: Any], text: String) {
        let json = try ToolBinary.run(["verify", bundle, "--json"] + extra)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any],
                                  "verify --json printed: \(json.stdout) \(json.stderr)")
        let text = try ToolBinary.run(["verify", bundle] + extra)
        #expect(text.status == json.status, "text and JSON disagree: \(text.stdout)")
        return (json.status, report, text.stdout + text.stderr)
    }

    private func problems(_ report: [String: Any]) -> [(kind: String, path: String)] {
        ((report["problems"] as? [[String: Any]]) ?? []).map { ($0["kind"] as? String ?? "?", $0["path"] as? String ?? "?") }
    }

    /// A file of the demo bundle: a pod's JSON, an evidence container's raw output, a file parsed from it.
    private func member(_ kind: String, in demo: DemoBundle) throws -> String {
        let manifest = try BundleReader(path: demo.bundle).manifest()
        let paths = manifest.files.map(\.path)
        let found: String?
        switch kind {
        case "pod.json": found = paths.first { $0.hasPrefix("pods/shop/checkout-") && $0.hasSuffix("/pod.json") }
        case "evidence.raw": found = paths.first { $0.hasPrefix("pods/shop/db-") && $0.hasSuffix("/evidence.raw") }
        default: found = paths.first { $0.hasPrefix("pods/shop/checkout-") && $0.hasSuffix("/\(kind)") }
        }
        return try #require(found, "the demo bundle has no \(kind): \(paths.prefix(10))")
    }

    @Test("a fresh signed bundle verifies: every file, the manifest's digest, the signature with the right key")
    func freshBundle() throws {
        let demo = try DemoBundle.get()
        let result = try verify(demo.bundle, ["--key", demo.publicKey, "--manifest-sha256", demo.manifestSHA256])
        #expect(result.status == 0, "\(result.text)")
        #expect(result.report["intact"] as? Bool == true)
        #expect(result.report["manifestSHA256"] as? String == demo.manifestSHA256)
        #expect((result.report["signature"] as? [String: Any])?["status"] as? String == "valid")
        let manifest = try BundleReader(path: demo.bundle).manifest()
        #expect(result.report["filesChecked"] as? Int == manifest.files.count)
        #expect(result.text.contains("matches --manifest-sha256"))
        #expect(result.text.contains("OK: every file matches the manifest."))
    }

    @Test("without --key a signature is reported as present, not checked, and the bundle still verifies")
    func signatureNotChecked() throws {
        let demo = try DemoBundle.get()
        let result = try verify(demo.bundle)
        #expect(result.status == 0, "\(result.text)")
        #expect((result.report["signature"] as? [String: Any])?["status"] as? String == "present-not-checked")
        #expect(result.text.contains("present, not checked"))
        // An unchecked signature proves nothing: the result says so instead of a plain OK.
        #expect(result.text.contains("Result:            FILES OK, SIGNATURE NOT CHECKED"), "\(result.text)")
        #expect(!result.text.contains("Result:            OK:"))
    }

    @Test("one changed byte in a file fails verify and names that file", arguments: ["pod.json", "evidence.raw", "sockets.json"])
    func changedByte(kind: String) throws {
        let demo = try DemoBundle.get()
        let target = try member(kind, in: demo)
        let tampered = demo.path("flipped") + ".tar.gz"
        try TarRewrite.rewrite(demo.bundle, to: tampered, .flip, target)
        let result = try verify(tampered, ["--key", demo.publicKey])
        #expect(result.status == 1)
        let found = problems(result.report)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.kind == "hash")
        #expect(found.first?.path == target)
        #expect(result.text.contains("\"\(target)\" has SHA-256"), "\(result.text)")
        // The manifest itself is untouched, so its signature still holds.
        #expect((result.report["signature"] as? [String: Any])?["status"] as? String == "valid")
    }

    @Test("a removed file fails verify and names that file")
    func removedFile() throws {
        let demo = try DemoBundle.get()
        let target = try member("evidence.raw", in: demo)
        let tampered = demo.path("removed") + ".tar.gz"
        try TarRewrite.rewrite(demo.bundle, to: tampered, .remove, target)
        let result = try verify(tampered)
        #expect(result.status == 1)
        #expect(problems(result.report).map(\.kind) == ["missing"])
        #expect(problems(result.report).first?.path == target)
        #expect(result.text.contains("\"\(target)\" is listed in the manifest but missing from the archive."), "\(result.text)")
    }

    @Test("an edited manifest: the file whose digest was changed is named, the manifest's digest differs, and the signature fails")
    func editedManifest() throws {
        let demo = try DemoBundle.get()
        let target = try member("pod.json", in: demo)
        let tampered = demo.path("edited") + ".tar.gz"
        try TarRewrite.rewrite(demo.bundle, to: tampered, .editManifestHash, target)

        let plain = try verify(tampered)
        #expect(plain.status == 1)
        #expect(problems(plain.report).map(\.kind) == ["hash"])
        #expect(problems(plain.report).first?.path == target)

        let pinned = try verify(tampered, ["--manifest-sha256", demo.manifestSHA256])
        #expect(pinned.status == 1)
        #expect(problems(pinned.report).contains { $0.kind == "manifest-digest" })
        #expect(pinned.text.contains("the manifest was changed or replaced"), "\(pinned.text)")

        let signed = try verify(tampered, ["--key", demo.publicKey])
        #expect(signed.status == 1)
        #expect((signed.report["signature"] as? [String: Any])?["status"] as? String == "invalid")
        #expect(signed.text.contains("the manifest was changed after it was signed"), "\(signed.text)")
    }

    @Test("a wrong key fails the signature, naming both keys' fingerprints")
    func wrongKey() throws {
        let demo = try DemoBundle.get()
        let other = demo.path("other.key")
        let keygen = try ToolBinary.run(["keygen", "--out", other])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let result = try verify(demo.bundle, ["--key", other + ".pub"])
        #expect(result.status == 1)
        #expect(problems(result.report).map(\.kind) == ["signature"])
        #expect(result.text.contains("signed by another key"), "\(result.text)")
    }

    @Test("an unsigned bundle verifies without --key and fails with it")
    func unsignedBundle() throws {
        let demo = try DemoBundle.get()
        let unsigned = demo.path("unsigned") + ".tar.gz"
        try TarRewrite.rewrite(demo.bundle, to: unsigned, .remove, "manifest.json.sig")
        let plain = try verify(unsigned)
        #expect(plain.status == 0, "\(plain.text)")
        #expect((plain.report["signature"] as? [String: Any])?["status"] as? String == "absent")
        let keyed = try verify(unsigned, ["--key", demo.publicKey])
        #expect(keyed.status == 1)
        #expect((keyed.report["signature"] as? [String: Any])?["status"] as? String == "missing")
        #expect(keyed.text.contains("the bundle has no manifest.json.sig"), "\(keyed.text)")
    }

    @Test("an entry appended after the signature makes the bundle unreadable, with the entry named")
    func appendedAfterSignature() throws {
        let demo = try DemoBundle.get()
        let appended = demo.path("appended") + ".tar.gz"
        try TarRewrite.rewrite(demo.bundle, to: appended, .append, "pods/shop/late.txt", text: "late")
        let result = try ToolBinary.run(["verify", appended])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\"pods/shop/late.txt\" after manifest.json.sig"), "\(result.stderr)")
    }

    @Test("keygen writes a 0600 PKCS#8 private key and its public key as OpenSSL reads them, and never overwrites without --force")
    func keygen() throws {
        let demo = try DemoBundle.get()
        let key = demo.path("made.key")
        let first = try ToolBinary.run(["keygen", "--out", key])
        #expect(first.status == 0, "\(first.stderr)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        // OpenSSL derives the same public key from the private one.
        let derived = try ProcessRunner.run("/usr/bin/env", ["openssl", "pkey", "-in", key, "-pubout"])
        #expect(derived.status == 0, "\(derived.stderr)")
        #expect(derived.stdout == (try String(contentsOfFile: key + ".pub", encoding: .utf8)))

        let before = try String(contentsOfFile: key, encoding: .utf8)
        let again = try ToolBinary.run(["keygen", "--out", key])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(try String(contentsOfFile: key, encoding: .utf8) == before)
        let forced = try ToolBinary.run(["keygen", "--out", key, "--force"])
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: key, encoding: .utf8) != before)
    }

    @Test("a file that is not a key is refused with its name, and the private key also serves as --key")
    func keyFiles() throws {
        let demo = try DemoBundle.get()
        let notKey = demo.path("not-a-key")
        try "hello\n".write(toFile: notKey, atomically: true, encoding: .utf8)
        let refused = try ToolBinary.run(["verify", demo.bundle, "--key", notKey])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("The public key \(notKey) is neither a PEM public key"), "\(refused.stderr)")
        let privateKey = try verify(demo.bundle, ["--key", demo.key])
        #expect(privateKey.status == 0, "\(privateKey.text)")
        #expect((privateKey.report["signature"] as? [String: Any])?["status"] as? String == "valid")
    }
}
