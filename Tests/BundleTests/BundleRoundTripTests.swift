import Bundle
import Foundation
import Testing

/// Writes bundles the way the Collector does and reads them back with our
/// reader and with the real tar and gzip.
@Suite struct BundleRoundTripTests {
    /// What a test wrote: path → bytes, kept by the test, not by the writer.
    typealias Written = [String: [UInt8]]

    /// 3 pods × (pod.json, raw output streamed in chunks, processes.json,
    /// an empty file), with sizes from 0 to 300 KB of incompressible bytes.
    static func writeSampleBundle(to path: String) throws -> (FinishedBundle, Written) {
        let writer = try BundleWriter(path: path)
        let pods = ["checkout-0", "checkout-1", "checkout-2"]
        var manifest = sampleManifest(pods: pods)
        var written: Written = [:]
        let modified = Date(timeIntervalSince1970: 1_795_000_003.5)
        for (index, pod) in pods.enumerated() {
            let podJSON = Array(#"{"kind":"Pod","metadata":{"name":"\#(pod)"}}"#.utf8)
            let raw = pseudoRandomBytes(count: 100_000 * (index + 1), seed: UInt64(index + 1))
            let processes = Array(String(repeating: #"{"pid":1,"comm":"httpd"}"#, count: 50 * (index + 1)).utf8)
            let files: [(BundlePath, [UInt8])] = [
                (.pod(namespace: "shop", pod: pod, file: "pod.json"), podJSON),
                (.container(namespace: "shop", pod: pod, container: "evidence-r4211", file: "processes.json"), processes),
                (.container(namespace: "shop", pod: pod, container: "evidence-r4211", file: "empty.txt"), []),
            ]
            for (path, bytes) in files {
                try writer.add(path: path, data: bytes, modified: modified)
                written[path.string] = bytes
            }
            let rawPath = BundlePath.container(namespace: "shop", pod: pod, container: "evidence-r4211", file: "output.raw")
            try writer.add(path: rawPath, modified: modified) { stream in
                var offset = 0
                while offset < raw.count {  // uneven chunks, as a network read gives them
                    let end = min(raw.count, offset + 7_777)
                    try stream.write(raw[offset..<end])
                    offset = end
                }
            }
            written[rawPath.string] = raw
            manifest.pods[index].files = files.map(\.0.string) + [rawPath.string]
        }
        return (try writer.finish(manifest: manifest), written)
    }

    @Test func everyHashMatchesTheBytesReadBack() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/incident.tar.gz"
            let (finished, written) = try Self.writeSampleBundle(to: path)
            #expect(finished.path == path)
            #expect(finished.manifest.files.count == 12)
            #expect(finished.manifest.files.map(\.path) == finished.manifest.files.map(\.path).sorted())

            var readBack: [String: [UInt8]] = [:]
            var order: [String] = []
            try BundleReader(path: path).forEachEntry { entry in
                #expect(entry.kind == .file)
                let bytes = try entry.readBytes()
                #expect(UInt64(bytes.count) == entry.size)
                readBack[entry.path] = bytes
                order.append(entry.path)
            }
            #expect(order.last == "manifest.json")
            #expect(Set(order.dropLast()) == Set(written.keys))
            for record in finished.manifest.files {
                let original = try #require(written[record.path])
                #expect(record.sha256 == sha256Hex(original), "\(record.path)")
                #expect(record.size == UInt64(original.count), "\(record.path)")
                #expect(readBack[record.path] == original, "\(record.path) differs after the round trip")
            }
            let manifestBytes = try #require(readBack["manifest.json"])
            #expect(sha256Hex(manifestBytes) == finished.manifestSHA256)
            #expect(UInt64(manifestBytes.count) == finished.manifestSize)

            let reader = BundleReader(path: path)
            #expect(try reader.manifest() == finished.manifest)
            let verification = try reader.verify(manifestSHA256: finished.manifestSHA256)
            #expect(verification.problems == [])
            #expect(verification.filesChecked == 12)
        }
    }

    @Test func theRealTarAndGzipAcceptTheBundleAndUnpackTheSameBytes() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/incident.tar.gz"
            let (finished, written) = try Self.writeSampleBundle(to: path)

            let gzip = try run(["gzip", "-t", path])
            #expect(gzip.status == 0, "gzip -t: \(gzip.stderr)")

            let listing = try run(["tar", "-tzvf", path])
            #expect(listing.status == 0, "tar -tzvf: \(listing.stderr)")
            let lines = listing.stdout.split(separator: "\n")
            #expect(lines.count == 13)
            #expect(lines.last?.hasSuffix(" manifest.json") == true, "manifest.json is not last: \(listing.stdout)")
            for line in lines {
                #expect(line.hasPrefix("-rw-r--r-- root/root "), "unexpected mode or owner: \(line)")
            }

            let unpacked = directory + "/unpacked"
            try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
            let extract = try run(["tar", "-xzf", path, "-C", unpacked])
            #expect(extract.status == 0, "tar -xzf: \(extract.stderr)")
            for (relative, bytes) in written {
                let data = try #require(FileManager.default.contents(atPath: unpacked + "/" + relative), "\(relative) not unpacked")
                #expect(Array(data) == bytes, "\(relative) differs when unpacked by tar")
            }
            let manifest = try #require(FileManager.default.contents(atPath: unpacked + "/manifest.json"))
            #expect(sha256Hex(manifest) == finished.manifestSHA256)
            // The timestamps given are the timestamps stored.
            let attributes = try FileManager.default.attributesOfItem(atPath: unpacked + "/" + written.keys.sorted()[0])
            #expect((attributes[.modificationDate] as? Date).map { Int($0.timeIntervalSince1970) } == 1_795_000_003)
        }
    }

    @Test func theBundleAppearsUnderItsNameOnlyWhenFinished() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/incident.tar.gz"
            let writer = try BundleWriter(path: path)
            try writer.add(path: .run(file: "plan.json"), data: Array("{}".utf8), modified: Date())
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(FileManager.default.fileExists(atPath: writer.temporaryPath))
            #expect(writer.temporaryPath.hasPrefix(path + ".partial-"))
            let mode = try FileManager.default.attributesOfItem(atPath: writer.temporaryPath)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            _ = try writer.finish(manifest: sampleManifest())
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(!FileManager.default.fileExists(atPath: writer.temporaryPath))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["incident.tar.gz"])
        }
    }

    @Test func aWriterDroppedMidRunLeavesOnlyAValidPartialFile() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/incident.tar.gz"
            var temporary = ""
            do {
                let writer = try BundleWriter(path: path)
                temporary = writer.temporaryPath
                try writer.add(path: .pod(namespace: "shop", pod: "a", file: "pod.json"), data: [1, 2, 3], modified: Date())
                let stream = try writer.openFile(path: .pod(namespace: "shop", pod: "a", file: "big"), modified: Date())
                try stream.write([UInt8](repeating: 7, count: 1000))
                // The stream and the writer go away without commit or finish, as in a crash we survive.
            }
            #expect(!FileManager.default.fileExists(atPath: path), "a half bundle appeared under the final name")
            let gzip = try run(["gzip", "-t", temporary])
            #expect(gzip.status == 0, "gzip -t: \(gzip.stderr)")
            let names = try BundleReader(path: temporary).list().map(\.path)
            #expect(names == ["pods/shop/a/pod.json"])
            // The spool file was unlinked at once: nothing else is left.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [(temporary as NSString).lastPathComponent])
        }
    }

    @Test func abortLeavesAValidArchiveWithWhatWasWrittenAndNoManifest() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/interrupted.tar.gz"
            let writer = try BundleWriter(path: path)
            let first = pseudoRandomBytes(count: 50_000, seed: 9)
            try writer.add(path: .pod(namespace: "shop", pod: "a", file: "pod.json"), data: first, modified: Date())
            try writer.add(path: .pod(namespace: "shop", pod: "b", file: "pod.json"), data: Data("{}".utf8), modified: Date())
            let pending = try writer.openFile(path: .pod(namespace: "shop", pod: "c", file: "pod.json"), modified: Date())
            try pending.write(Array("never committed".utf8))
            #expect(try writer.abort() == path)

            #expect(try run(["gzip", "-t", path]).status == 0)
            let listing = try run(["tar", "-tzf", path])
            #expect(listing.status == 0, "tar -tzf: \(listing.stderr)")
            #expect(listing.stdout == "pods/shop/a/pod.json\npods/shop/b/pod.json\n")

            var hashes: [String: String] = [:]
            try BundleReader(path: path).forEachEntry { hashes[$0.path] = sha256Hex(try $0.readBytes()) }
            #expect(hashes["pods/shop/a/pod.json"] == sha256Hex(first))
            let error = expectBundleError(.manifest) { _ = try BundleReader(path: path).manifest() }
            #expect(error?.message.contains("no manifest.json") == true)
            #expect(error?.message.contains(path) == true)

            expectBundleError(.writerClosed) { try writer.add(path: .run(file: "late"), data: [1], modified: Date()) }
            expectBundleError(.writerClosed) { try pending.commit() }
        }
    }

    @Test func anInterruptedRunFinishedEarlyIsAValidBundleWithItsManifest() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/interrupted.tar.gz"
            let writer = try BundleWriter(path: path)
            try writer.add(path: .pod(namespace: "shop", pod: "a", file: "pod.json"), data: [1], modified: Date())
            let pending = try writer.openFile(path: .pod(namespace: "shop", pod: "b", file: "pod.json"), modified: Date())
            try pending.write([2, 3])
            var manifest = sampleManifest(pods: ["a", "b"], interrupted: true)
            manifest.run.finishedAt = nil
            manifest.pods[1].outcome = .interrupted
            let finished = try writer.finish(manifest: manifest)
            #expect(finished.manifest.run.finishedAt != nil)
            #expect(finished.manifest.files.map(\.path) == ["pods/shop/a/pod.json"])
            let readBack = try BundleReader(path: path).manifest()
            #expect(readBack.run.interrupted)
            #expect(readBack.pods.map(\.outcome) == [.collected, .interrupted])
            #expect(try BundleReader(path: path).verify().isIntact)
        }
    }

    @Test func misuseIsRefusedWithoutBreakingTheBundle() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/b.tar.gz"
            try writeFile(path, Data("earlier evidence".utf8))
            let exists = expectBundleError(.outputExists) { _ = try BundleWriter(path: path) }
            #expect(exists?.message.contains(path) == true)

            let writer = try BundleWriter(path: path, overwrite: true)
            let pod = BundlePath.pod(namespace: "shop", pod: "a", file: "pod.json")
            try writer.add(path: pod, data: [1], modified: Date())
            let duplicate = expectBundleError(.duplicatePath) { try writer.add(path: pod, data: [2], modified: Date()) }
            #expect(duplicate?.message.contains("pods/shop/a/pod.json") == true)
            expectBundleError(.duplicatePath) { _ = try writer.openFile(path: pod, modified: Date()) }
            expectBundleError(.duplicatePath) { try writer.add(path: .manifest, data: [1], modified: Date()) }

            // A producer that fails midway leaves nothing, and its path can be used again.
            let logPath = BundlePath.container(namespace: "shop", pod: "a", container: "c", file: "output.raw")
            #expect(throws: TestFailure.self) {
                try writer.add(path: logPath, modified: Date()) { stream in
                    try stream.write([1, 2, 3])
                    throw TestFailure("the log stream broke")
                }
            }
            try writer.add(path: logPath, data: [9, 9], modified: Date())

            let finished = try writer.finish(manifest: sampleManifest())
            #expect(finished.manifest.files.map(\.path) == [logPath.string, pod.string].sorted())
            expectBundleError(.writerClosed) { _ = try writer.finish(manifest: sampleManifest()) }
            expectBundleError(.writerClosed) { try writer.abort() }
            #expect(try BundleReader(path: path).verify().isIntact)
        }
    }

    @Test func anOutputThatAppearsMeanwhileIsNotOverwritten() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/b.tar.gz"
            let writer = try BundleWriter(path: path)
            try writer.add(path: .run(file: "x"), data: [1], modified: Date())
            try writeFile(path, Data("someone else's file".utf8))
            let error = expectBundleError(.outputExists) { _ = try writer.finish(manifest: sampleManifest()) }
            #expect(error?.message.contains(writer.temporaryPath) == true)
            #expect(FileManager.default.contents(atPath: path) == Data("someone else's file".utf8))
            #expect(try BundleReader(path: writer.temporaryPath).verify().isIntact)
        }
    }
}
