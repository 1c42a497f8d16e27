import Bundle
import Foundation
import Testing

/// The writer keeps to its ``BundleCapacity`` and the reader's limits are
/// derived from it: whatever the writer can write, the reader takes, and one
/// entry more is refused. Shown on small capacities filled to the brim, and
/// on the standard one's arithmetic.
@Suite struct CapacityTests {
    /// Room for 3 pods of 2 files, 1 run file and 5 exploded records, 1,000
    /// bytes a pod, 600 bytes of records.
    static let small = BundleCapacity(
        maxPods: 3, filesPerPod: 2, runFiles: 1, bytesPerPod: 1_000, maxFileSize: 800, explodedFiles: 5, explodedBytes: 600,
        manifestBytesForRun: 4096, manifestBytesPerPod: 2048, manifestBytesPerFile: BundleCapacity.manifestBytes(forPathLength: 100),
        manifestBytesPerExplodedFile: BundleCapacity.manifestBytes(forPathLength: 100))

    static func record(_ pod: String, _ key: String) -> BundlePath {
        .gathered(namespace: "shop", pod: pod, container: "app", tree: "gathered", key: key)
    }

    /// Writes `small` to the brim: every file it has room for, every byte of
    /// it, the manifest and its signature. Returns what was written.
    static func writeBrimful(to path: String, key: SigningKey) throws -> FinishedBundle {
        let writer = try BundleWriter(path: path, capacity: small)
        let pods = ["checkout-0", "checkout-1", "checkout-2"]
        var manifest = sampleManifest(pods: pods)
        for (index, pod) in pods.enumerated() {
            // 1,000 bytes a pod: pod.json (200) and a raw output streamed (800, the largest a file may be).
            let json = try writer.add(path: .pod(namespace: "shop", pod: pod, file: "pod.json"),
                                      data: pseudoRandomBytes(count: 200, seed: UInt64(index)), modified: Date())
            let raw = try writer.add(path: .container(namespace: "shop", pod: pod, container: "app", file: "evidence.raw"),
                                     modified: Date()) { try $0.write(pseudoRandomBytes(count: 800, seed: UInt64(10 + index))) }
            manifest.pods[index].files = [json.path, raw.path]
        }
        try writer.add(path: .run(file: "plan.txt"), data: [UInt8](), modified: Date())
        // The records: 5 files, 600 bytes, all reserved first as collect does.
        let records = (0..<5).map { (path: record("checkout-0", "proc/\($0)/status"), bytes: pseudoRandomBytes(count: 120, seed: UInt64(20 + $0))) }
        #expect(writer.reserveExplodedRecords(records.map { ($0.path, $0.bytes.count) }) == 5)
        for record in records {
            manifest.pods[0].files.append(try writer.add(path: record.path, data: record.bytes, modified: Date()).path)
        }

        // One more of anything is refused, naming the file, and the bundle stays writable.
        let extraPod = BundlePath.pod(namespace: "shop", pod: "checkout-3", file: "pod.json")
        let full = expectBundleError(.tooManyEntries) { try writer.add(path: extraPod, data: [UInt8](), modified: Date()) }
        #expect(full?.message.contains(extraPod.string) == true && full?.message.contains("is full") == true, "\(full?.message ?? "")")
        expectBundleError(.tooManyEntries) {
            _ = try writer.add(path: .container(namespace: "shop", pod: "checkout-3", container: "app", file: "evidence.raw"), modified: Date()) { _ in }
        }
        expectBundleError(.tooManyEntries) { try writer.add(path: record("checkout-1", "proc/1/stat"), data: [UInt8](), modified: Date()) }
        #expect(writer.reserveExplodedRecords([(record("checkout-1", "proc/1/stat"), 0)]) == 0)
        return try writer.finish(manifest: manifest, signer: key.signer)
    }

    @Test func aBundleWrittenToTheBrimIsReadWithTheLimitsDerivedFromItsCapacity() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/brimful.tar.gz"
            let key = SigningKey()
            let finished = try Self.writeBrimful(to: path, key: key)
            let limits = BundleReader.Limits(capacity: Self.small)
            #expect(finished.manifest.files.count == 3 * 2 + 1 + 5)
            #expect(finished.manifest.files.count + 2 == limits.maxEntries, "every entry the capacity has room for")
            #expect(finished.manifest.files.reduce(0) { $0 + $1.size } == 3 * 1_000 + 600)
            #expect(finished.manifestSize <= limits.maxManifestSize)

            let reader = BundleReader(path: path, limits: limits)
            let verification = try reader.verify(manifestSHA256: finished.manifestSHA256, key: key.publicKey)
            #expect(verification.isIntact, "\(verification.problems)")
            #expect(try reader.list().count == limits.maxEntries)

            // The same bundle with one entry more was not written by this writer: refused.
            let appended = directory + "/appended.tar.gz"
            let script = """
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], "r:gz") as original, tarfile.open(sys.argv[2], "w:gz", format=tarfile.PAX_FORMAT) as out:
                for member in original.getmembers():
                    if member.name == "manifest.json":
                        info = tarfile.TarInfo("pods/shop/checkout-3/pod.json")
                        out.addfile(info, io.BytesIO(b""))
                    out.addfile(member, original.extractfile(member))
            """
            let result = try run(["python3", "-c", script, path, appended])
            try #require(result.status == 0, "python3: \(result.stderr)")
            let error = expectBundleError(.tooManyEntries) { _ = try BundleReader(path: appended, limits: limits).verify() }
            #expect(error?.message.contains("limit of \(limits.maxEntries) entries") == true, "\(error?.message ?? "")")
        }
    }

    @Test func aFileTooLargeOrPastTheBytesRoomIsRefusedAndTheRestStillFits() throws {
        try withTemporaryDirectory { directory in
            let writer = try BundleWriter(path: directory + "/b.tar.gz", capacity: Self.small)
            let big = BundlePath.container(namespace: "shop", pod: "a", container: "app", file: "evidence.raw")
            let tooBig = expectBundleError(.tooLarge) { try writer.add(path: big, data: [UInt8](repeating: 1, count: 801), modified: Date()) }
            #expect(tooBig?.message.contains("801 bytes") == true, "\(tooBig?.message ?? "")")
            expectBundleError(.tooLarge) {
                try writer.add(path: big, modified: Date()) { try $0.write([UInt8](repeating: 1, count: 801)) }
            }
            // The refused path is free again, and 3,000 bytes of evidence fit in all.
            for pod in 0..<3 {
                try writer.add(path: .container(namespace: "shop", pod: "p\(pod)", container: "app", file: "evidence.raw"),
                               data: [UInt8](repeating: 2, count: 800), modified: Date())
            }
            try writer.add(path: big, data: [UInt8](repeating: 3, count: 600), modified: Date())
            let past = expectBundleError(.tooLarge) {
                try writer.add(path: .pod(namespace: "shop", pod: "a", file: "pod.json"), data: [UInt8](repeating: 4, count: 1), modified: Date())
            }
            #expect(past?.message.contains("3000 bytes of evidence files") == true, "\(past?.message ?? "")")
            // Exploded records have their own room: evidence being full costs them nothing, and the reverse.
            try writer.add(path: Self.record("a", "proc/1/stat"), data: [UInt8](repeating: 5, count: 600), modified: Date())
            expectBundleError(.tooLarge) { try writer.add(path: Self.record("a", "proc/1/status"), data: [UInt8](repeating: 5, count: 1), modified: Date()) }
            try writer.add(path: .pod(namespace: "shop", pod: "a", file: "empty.json"), data: [UInt8](), modified: Date())
            let finished = try writer.finish(manifest: sampleManifest())
            #expect(finished.manifest.files.count == 6)
            #expect(try BundleReader(path: finished.path, limits: .init(capacity: Self.small)).verify().isIntact)
        }
    }

    @Test func reservedRecordsAreNeverRefusedAndOthersWaitForRoom() throws {
        try withTemporaryDirectory { directory in
            let writer = try BundleWriter(path: directory + "/b.tar.gz", capacity: Self.small)
            let first = (0..<3).map { (Self.record("a", "proc/\($0)/stat"), 100) }
            #expect(writer.reserveExplodedRecords(first) == 3)
            // Four more ask for room: two files are left, and 300 bytes.
            let second = (0..<4).map { (Self.record("b", "proc/\($0)/stat"), 100) }
            #expect(writer.reserveExplodedRecords(second) == 2)
            // Not reserved, not added: the room is promised to the others.
            expectBundleError(.tooManyEntries) { try writer.add(path: Self.record("c", "proc/1/stat"), data: [UInt8](), modified: Date()) }
            for (path, size) in first + second.prefix(2) {
                try writer.add(path: path, data: [UInt8](repeating: 7, count: size), modified: Date())
            }
            expectBundleError(.tooManyEntries) { try writer.add(path: Self.record("b", "proc/2/stat"), data: [UInt8](), modified: Date()) }
            #expect(try writer.finish(manifest: sampleManifest()).manifest.files.count == 5)
        }
    }

    @Test func aManifestPastItsRoomIsNotWrittenAndTheBundleIsLeftUnpublished() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/b.tar.gz"
            let writer = try BundleWriter(path: path, capacity: Self.small)
            var manifest = sampleManifest(pods: ["a"])
            manifest.pods[0].message = String(repeating: "The server said something very long. ", count: 500)
            let error = expectBundleError(.tooLarge) { _ = try writer.finish(manifest: manifest) }
            #expect(error?.message.contains(writer.temporaryPath) == true, "\(error?.message ?? "")")
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    /// What a file's listing takes in the manifest, as budgeted, is at least
    /// what the encoder really writes for it.
    @Test func aFilesManifestBytesAreAnUpperBound() throws {
        let paths: [BundlePath] = [
            .pod(namespace: "shop", pod: "checkout-6c58576cd9-2zcfm", file: "pod.json"),
            .container(namespace: "shop", pod: "checkout-6c58576cd9-2zcfm", container: "app", file: "evidence.raw"),
            .gathered(namespace: "shop", pod: "checkout-6c58576cd9-2zcfm", container: "app", tree: "gathered", key: "proc/25/ns/pid_for_children"),
            .pod(namespace: String(repeating: "n", count: 63), pod: String(repeating: "p", count: 253), file: "pod.json"),
            .gathered(namespace: "shop", pod: "a", container: "app", tree: "gathered", key: "sys/fs/cgroup/Memory:Stat/../x"),
        ]
        var manifest = sampleManifest(pods: ["checkout-6c58576cd9-2zcfm"])
        var size = try manifest.jsonData().count
        for path in paths {
            manifest.files.append(Manifest.File(path: path.string, size: UInt64.max, sha256: String(repeating: "a", count: 64)))
            manifest.pods[0].files.append(path.string)
            let grown = try manifest.jsonData().count
            #expect(grown - size <= BundleCapacity.manifestBytes(forPathLength: path.string.utf8.count), "\(path)")
            #expect(grown - size >= BundleCapacity.manifestBytes(forPathLength: path.string.utf8.count) - 40, "\(path)")
            size = grown
        }
    }

    @Test func theStandardLimitsAreTheStandardCapacitys() {
        let capacity = BundleCapacity.standard
        let limits = BundleReader.Limits()
        #expect(limits == BundleReader.Limits(capacity: capacity))
        // 10,000 pods of 7 files, 16 run files, 400,000 exploded records, the manifest and its signature.
        #expect(limits.maxEntries == 10_000 * 7 + 16 + 400_000 + 2)
        #expect(limits.maxEntries > 5_000 * 71, "issue 10: 5,000 pods of 71 entries each")
        #expect(limits.maxManifestSize == UInt64(capacity.manifestBytesForRun + 10_000 * capacity.manifestBytesPerPod
            + 70_016 * capacity.manifestBytesPerFile + 400_000 * capacity.manifestBytesPerExplodedFile))
        #expect(limits.maxEntrySize >= limits.maxManifestSize && limits.maxEntrySize >= capacity.maxFileSize)
        #expect(limits.maxTotalSize == 10_000 * capacity.bytesPerPod + capacity.explodedBytes + limits.maxManifestSize + ManifestSignature.maxSize)
    }

    @Test func theLongestPathIsTheLongestABundlePathCanBe() {
        let name = String(repeating: "x", count: 300)
        let key = (0..<12).map { _ in name }.joined(separator: "/")
        // A bundle of several clusters puts each cluster's pods under clusters/<name>/.
        let longest = BundlePath.gathered(namespace: name, pod: name, container: name, tree: name, key: key, cluster: name)
        #expect(longest.string.utf8.count == BundlePath.maxLength)
        #expect(BundlePath.maxLength == 3326)
        #expect(BundlePath.gathered(namespace: name, pod: name, container: name, tree: name, key: key).string.utf8.count == 3063)
        #expect(BundleReader.Limits().maxPathLength == BundlePath.maxLength)
        let deepPlain = (0..<8).map { _ in String(repeating: "y", count: 253) }.joined(separator: "/")
        #expect(BundlePath.gathered(namespace: name, pod: name, container: name, tree: name, key: deepPlain).string.utf8.count
            <= BundlePath.maxLength)
    }
}
