import Bundle
import Foundation
import Testing

/// A bundle is exactly what its manifest lists, byte for byte: nothing after
/// the gzip member, nothing after the tar end marker, names matched by bytes.
/// The hostile bundles are made from a real one with Python's gzip and tarfile.
@Suite struct ExtraDataTests {
    static func make(_ action: String) throws -> BundleVerification {
        try withTemporaryDirectory { directory in
            let original = directory + "/original.tar.gz", hostile = directory + "/hostile.tar.gz"
            _ = try BundleRoundTripTests.writeSampleBundle(to: original)
            let script = #"""
            import gzip, io, sys, tarfile, unicodedata
            source, destination, action = sys.argv[1:4]
            raw = open(source, "rb").read()
            def entry(name, data):
                info = tarfile.TarInfo(name); info.size = len(data)
                buf = info.tobuf(tarfile.PAX_FORMAT)
                return buf + data + b"\0" * ((512 - len(data) % 512) % 512)
            if action == "garbage":
                out = raw + b"GARBAGE AFTER THE GZIP STREAM\n"
            elif action == "member":
                out = raw + gzip.compress(entry("pods/shop/smuggled.txt", b"smuggled"))
            elif action == "after-end":
                out = gzip.compress(gzip.decompress(raw) + entry("pods/shop/smuggled.txt", b"smuggled"))
            elif action == "nfd":
                nfc, nfd = "pods/shop/checkout-1/pod-\u00e9.json", unicodedata.normalize("NFD", "pods/shop/checkout-1/pod-\u00e9.json")
                with tarfile.open(source, "r:gz") as original, tarfile.open(destination, "w:gz", format=tarfile.PAX_FORMAT) as tar:
                    for member in original.getmembers():
                        data = original.extractfile(member).read()
                        if member.name == "pods/shop/checkout-1/pod.json":
                            member.name = nfd
                        if member.name == "manifest.json":
                            data = data.replace(b"pods/shop/checkout-1/pod.json", nfc.encode())
                        member.size = len(data)
                        tar.addfile(member, io.BytesIO(data))
                sys.exit(0)
            open(destination, "wb").write(out)
            """#
            let result = try run(["python3", "-c", script, original, hostile, action])
            guard result.status == 0 else { throw TestFailure("python3 could not make the bundle: \(result.stderr)") }
            return try BundleReader(path: hostile).verify()
        }
    }

    @Test func bytesAfterTheGzipStreamAreNamed() throws {
        let result = try Self.make("garbage")
        #expect(result.problems == [.afterGzipMember(bytes: 30, secondMember: false)], "\(result.problems)")
        #expect(result.problems.first?.description.contains("30 bytes follow the bundle's gzip stream") == true)
    }

    @Test func aSecondGzipMemberIsNamed() throws {
        let result = try Self.make("member")
        #expect(result.problems.count == 1)
        guard case .afterGzipMember(_, let second)? = result.problems.first else {
            Issue.record("expected data after the gzip member, got \(result.problems)")
            return
        }
        #expect(second)
    }

    @Test func entriesAfterTheTarEndMarkerAreNamed() throws {
        let result = try Self.make("after-end")
        #expect(result.problems.count == 1, "\(result.problems)")
        guard case .afterTarEnd? = result.problems.first else {
            Issue.record("expected data after the tar end marker, got \(result.problems)")
            return
        }
        #expect(result.problems.first?.description.contains("tar -i") == true)
    }

    @Test func namesAreMatchedByBytesNotUnicodeEquivalence() throws {
        let result = try Self.make("nfd")
        let nfc = "pods/shop/checkout-1/pod-\u{E9}.json"
        let nfd = "pods/shop/checkout-1/pod-e\u{301}.json"
        #expect(result.problems.contains(.unlisted(path: nfd)), "\(result.problems)")
        #expect(result.problems.contains(.missing(path: nfc)), "\(result.problems)")
    }
}
