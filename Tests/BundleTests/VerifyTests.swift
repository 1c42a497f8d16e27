import Bundle
import Foundation
import Testing

/// `verify` re-hashes every file and names each one that disagrees with the
/// manifest. The tampered bundles are rewritten with Python's tarfile.
@Suite struct VerifyTests {
    /// Copies `source` to `destination` entry by entry, doing `action` to `target`.
    static func tamper(_ source: String, _ destination: String, _ action: String, _ target: String) throws {
        let script = """
        import io, sys, tarfile
        source, destination, action, target = sys.argv[1:5]
        with tarfile.open(source, "r:gz") as original, tarfile.open(destination, "w:gz", format=tarfile.PAX_FORMAT) as out:
            for member in original.getmembers():
                data = original.extractfile(member).read()
                if action == "add" and member.name == "manifest.json":
                    extra = tarfile.TarInfo(target)
                    extra.size = 5
                    out.addfile(extra, io.BytesIO(b"extra"))
                if member.name == target:
                    if action == "remove":
                        continue
                    if action == "flip":
                        middle = len(data) // 2
                        data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]
                    if action == "interrupt":
                        data = data.replace(b'"interrupted" : false', b'"interrupted" : true')
                    if action == "resize":
                        data = data.replace(b'"size" : 0', b'"size" : 1', 1)
                member.size = len(data)
                out.addfile(member, io.BytesIO(data))
        """
        let result = try run(["python3", "-c", script, source, destination, action, target])
        guard result.status == 0 else { throw TestFailure("python3 could not rewrite the bundle: \(result.stderr)") }
    }

    func verifyTampered(_ action: String, _ target: String, expectedManifest: Bool = false)
        throws -> BundleVerification {
        try withTemporaryDirectory { directory in
            let original = directory + "/original.tar.gz", tampered = directory + "/tampered.tar.gz"
            let (finished, _) = try BundleRoundTripTests.writeSampleBundle(to: original)
            try Self.tamper(original, tampered, action, target)
            return try BundleReader(path: tampered).verify(manifestSHA256: expectedManifest ? finished.manifestSHA256 : nil)
        }
    }

    @Test(arguments: ["pods/shop/checkout-1/pod.json", "pods/shop/checkout-2/containers/evidence-r4211/output.raw"])
    func oneChangedByteIsNamed(path: String) throws {
        let result = try verifyTampered("flip", path)
        #expect(result.problems.count == 1)
        guard case .hashMismatch(let named, _, _) = result.problems.first else {
            Issue.record("expected a hash mismatch, got \(result.problems)")
            return
        }
        #expect(named == path)
        #expect(result.problems[0].description.contains(path))
    }

    @Test func aRemovedFileIsNamed() throws {
        let path = "pods/shop/checkout-0/containers/evidence-r4211/processes.json"
        #expect(try verifyTampered("remove", path).problems == [.missing(path: path)])
    }

    @Test func anAddedFileIsNamed() throws {
        let path = "pods/shop/checkout-0/smuggled"
        #expect(try verifyTampered("add", path).problems == [.unlisted(path: path)])
    }

    @Test func aSizeThatDisagreesIsNamed() throws {
        let result = try verifyTampered("resize", "manifest.json")
        #expect(result.problems == [.sizeMismatch(path: "pods/shop/checkout-0/containers/evidence-r4211/empty.txt",
                                                  expected: 1, actual: 0)])
    }

    @Test func anEditedManifestIsCaughtByItsDigest() throws {
        #expect(try verifyTampered("interrupt", "manifest.json", expectedManifest: false).isIntact,
                "without the outside digest an edited manifest that lists the same files cannot be told apart")
        let result = try verifyTampered("interrupt", "manifest.json", expectedManifest: true)
        #expect(result.problems.count == 1)
        guard case .manifestDigest = result.problems.first else {
            Issue.record("expected a manifest digest mismatch, got \(result.problems)")
            return
        }
    }
}
