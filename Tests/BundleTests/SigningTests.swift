import Bundle
import Crypto
import Foundation
import Testing

/// Ed25519 signing of the manifest: the writer's signer, the one trailing
/// `manifest.json.sig` entry the reader accepts, and the key files.
@Suite struct SigningTests {
    /// A small signed bundle; returns its manifest digest.
    @discardableResult
    static func writeSigned(to path: String, key: SigningKey) throws -> FinishedBundle {
        let writer = try BundleWriter(path: path)
        try writer.add(path: .pod(namespace: "shop", pod: "checkout-0", file: "pod.json"), data: Array("{}".utf8), modified: Date())
        return try writer.finish(manifest: sampleManifest(pods: ["checkout-0"]), signer: key.signer)
    }

    @Test func aSignedBundleVerifiesWithItsKeyOnly() throws {
        try withTemporaryDirectory { directory in
            let key = SigningKey()
            let finished = try Self.writeSigned(to: directory + "/b.tar.gz", key: key)
            let signature = try #require(finished.signature)
            #expect(signature.algorithm == "ed25519")
            #expect(signature.manifestSHA256 == finished.manifestSHA256)
            #expect(signature.publicKey == key.publicKey.base64)

            let reader = BundleReader(path: directory + "/b.tar.gz")
            // The signature is the archive's last entry, right after the manifest, and not one of the files.
            #expect(try reader.list().suffix(2).map(\.path) == ["manifest.json", "manifest.json.sig"])
            #expect(try reader.manifest().files.map(\.path) == ["pods/shop/checkout-0/pod.json"])

            let good = try reader.verify(manifestSHA256: finished.manifestSHA256, key: key.publicKey)
            #expect(good.isIntact)
            #expect(good.signature == .valid(keyFingerprint: key.publicKey.fingerprint))

            let unchecked = try reader.verify()
            #expect(unchecked.isIntact)
            #expect(unchecked.signature == .presentNotChecked(claimedKeyFingerprint: key.publicKey.fingerprint))

            let other = SigningKey().publicKey
            let wrong = try reader.verify(key: other)
            #expect(!wrong.isIntact)
            guard case .invalid(let reason) = wrong.signature else {
                Issue.record("expected an invalid signature, got \(wrong.signature)")
                return
            }
            #expect(reason.contains("signed by another key"))
            #expect(wrong.problems.count == 1)
        }
    }

    @Test func anUnsignedBundleFailsOnlyWhenAKeyIsGiven() throws {
        try withTemporaryDirectory { directory in
            let (finished, _) = try BundleRoundTripTests.writeSampleBundle(to: directory + "/b.tar.gz")
            #expect(finished.signature == nil)
            let reader = BundleReader(path: directory + "/b.tar.gz")
            #expect(try reader.verify().signature == .absent)
            let keyed = try reader.verify(key: SigningKey().publicKey)
            #expect(keyed.signature == .missing)
            #expect(keyed.problems == [.signature(.missing)])
        }
    }

    @Test func aSignatureOverOtherBytesIsInvalid() throws {
        try withTemporaryDirectory { directory in
            let key = SigningKey()
            // A signer that signs something else than the manifest it is given.
            let writer = try BundleWriter(path: directory + "/b.tar.gz")
            _ = try writer.finish(manifest: sampleManifest(pods: []), signer: { bytes in
                var other = bytes
                other.append(0x20)
                return try ManifestSignature.sign(other, with: key)
            })
            let result = try BundleReader(path: directory + "/b.tar.gz").verify(key: key.publicKey)
            guard case .invalid(let reason) = result.signature else {
                Issue.record("expected an invalid signature, got \(result.signature)")
                return
            }
            #expect(reason.contains("changed after it was signed"))
        }
    }

    @Test func aFailingSignerLeavesNoBundleUnderTheFinalName() throws {
        try withTemporaryDirectory { directory in
            struct NoKey: Error {}
            let writer = try BundleWriter(path: directory + "/b.tar.gz")
            #expect(throws: BundleError.self) {
                try writer.finish(manifest: sampleManifest(pods: []), signer: { _ in throw NoKey() })
            }
            #expect(!FileManager.default.fileExists(atPath: directory + "/b.tar.gz"))
        }
    }

    @Test func nobodyElseMayWriteTheSignatureEntry() throws {
        try withTemporaryDirectory { directory in
            let writer = try BundleWriter(path: directory + "/b.tar.gz")
            #expect(throws: BundleError.self) {
                try writer.add(path: .manifestSignature, data: [UInt8](), modified: Date())
            }
        }
    }

    @Test func keysRoundTripThroughPEMAndOpenSSLReadsThem() throws {
        try withTemporaryDirectory { directory in
            let key = SigningKey()
            try key.pemRepresentation.write(toFile: directory + "/k", atomically: true, encoding: .utf8)
            try key.publicKey.pemRepresentation.write(toFile: directory + "/k.pub", atomically: true, encoding: .utf8)
            let loaded = try SigningKey(contentsOf: directory + "/k")
            #expect(loaded.key.rawRepresentation == key.key.rawRepresentation)
            #expect(try VerifyingKey(contentsOf: directory + "/k.pub") == key.publicKey)
            #expect(try VerifyingKey(contentsOf: directory + "/k") == key.publicKey)
            #expect(try VerifyingKey(text: key.publicKey.base64, source: "inline") == key.publicKey)
            // OpenSSL derives the same public key PEM from our private key.
            let derived = try run(["openssl", "pkey", "-in", directory + "/k", "-pubout"])
            #expect(derived.status == 0, "\(derived.stderr)")
            #expect(derived.stdout == key.publicKey.pemRepresentation)
            // And a key OpenSSL made signs bundles we verify.
            let made = try run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", directory + "/o"])
            #expect(made.status == 0, "\(made.stderr)")
            let openSSLKey = try SigningKey(contentsOf: directory + "/o")
            try Self.writeSigned(to: directory + "/b.tar.gz", key: openSSLKey)
            #expect(try BundleReader(path: directory + "/b.tar.gz").verify(key: openSSLKey.publicKey).isIntact)
        }
    }

    @Test func keysOfAnotherKindAreRefusedWithTheFileNamed() throws {
        try withTemporaryDirectory { directory in
            let made = try run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", directory + "/ec"])
            #expect(made.status == 0, "\(made.stderr)")
            #expect {
                _ = try SigningKey(contentsOf: directory + "/ec")
            } throws: { error in
                (error as? BundleError)?.message.contains("\(directory)/ec is not an Ed25519 key") == true
            }
            #expect {
                _ = try SigningKey(contentsOf: directory + "/missing")
            } throws: { error in
                (error as? BundleError)?.message.contains("no such file") == true
            }
        }
    }

    @Test func onlyTheSignatureMayFollowTheManifestAndNothingMayFollowIt() throws {
        try withTemporaryDirectory { directory in
            let manifest = String(decoding: try sampleManifest(pods: []).jsonData(), as: UTF8.self)
                .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            let before = directory + "/before.tar.gz"
            try HostileArchiveTests.pythonTar(before, """
            add("manifest.json.sig", b"{}")
            add("manifest.json", b"\(manifest)")
            """)
            let early = expectBundleError(.manifest) { _ = try BundleReader(path: before).manifest() }
            #expect(early?.message.contains("manifest.json.sig before manifest.json") == true, "\(early?.message ?? "")")

            let after = directory + "/after.tar.gz"
            try HostileArchiveTests.pythonTar(after, """
            add("manifest.json", b"\(manifest)")
            add("manifest.json.sig", b"{}")
            add("pods/shop/a/late", b"x")
            """)
            let late = expectBundleError(.manifest) { _ = try BundleReader(path: after).manifest() }
            #expect(late?.message.contains("\"pods/shop/a/late\" after manifest.json.sig") == true, "\(late?.message ?? "")")

            // A signature entry that is not a signature: readable bundle, invalid signature with a key.
            let garbage = directory + "/garbage.tar.gz"
            try HostileArchiveTests.pythonTar(garbage, """
            add("manifest.json", b"\(manifest)")
            add("manifest.json.sig", b"\\x1b[2J not json")
            """)
            let result = try BundleReader(path: garbage).verify(key: SigningKey().publicKey)
            guard case .invalid(let reason) = result.signature else {
                Issue.record("expected an invalid signature, got \(result.signature)")
                return
            }
            #expect(reason.contains("is not the JSON of a signature"))
        }
    }
}
