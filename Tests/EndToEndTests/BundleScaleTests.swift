import Bundle
import Foundation
import Testing

/// The tool reads back a bundle of thousands of pods (issue 10: it used to
/// write about 71 entries a pod and refuse more than 100,000 entries, so it
/// could not read its own bundle past 1,400 pods). The bundles are written
/// by the real ``BundleWriter`` from real evidence: the checkout pods of the
/// lab's demo bundle (``DemoBundle``), each pod's JSON, raw output and parsed
/// files as `collect` wrote them, copied under 5,000 names; one copy is of
/// the replica that also listens on 4444, so that `diff --replicas` has a
/// real odd one out to find among 5,000. Then `verify`, `inspect` and `diff`
/// read them as a user runs them.
@Suite("a bundle of 5,000 pods round-trips", .serialized)
struct BundleScaleTests {
    static let pods = 5_000

    /// One demo pod's files, as `collect` wrote them.
    struct RecordedPod {
        var entry: Manifest.Pod
        /// File name (below the pod's directory) → bytes.
        var files: [(name: String, bytes: [UInt8])]
        /// The records of its raw output, as `--explode` unpacks them (path below `gathered/`).
        var records: [(key: String, bytes: [UInt8])]
    }

    struct Recorded {
        var manifest: Manifest
        var usual: RecordedPod
        var odd: RecordedPod
    }

    /// The demo's checkout replicas: a usual one and the one with the extra listener on 4444.
    static func recorded() throws -> Recorded {
        let demo = try DemoBundle.get()
        let contents = try BundleContents(path: demo.bundle)
        func pod(_ entry: Manifest.Pod) throws -> RecordedPod {
            let base = "pods/\(entry.namespace)/\(entry.name)/"
            let files = try entry.files.sorted().map { path in
                (name: String(path.dropFirst(base.count)), bytes: try #require(contents.files[path], "\(path) is not in the demo bundle"))
            }
            let raw = try #require(contents.files[base + "containers/\(entry.targetContainer)/evidence.raw"])
            let records = BundleContents.tree(fromRaw: raw, namespace: entry.namespace, pod: entry.name, container: entry.targetContainer)
                .sorted { $0.key < $1.key }.map { (key: $0.key, bytes: $0.value) }
            return RecordedPod(entry: entry, files: files, records: records)
        }
        let checkout = contents.manifest.pods.filter { $0.name.hasPrefix("checkout-") && $0.outcome == .collected }
        let odd = try #require(checkout.first {
            contents.listeningPorts(namespace: $0.namespace, pod: $0.name, container: $0.targetContainer).contains(4444)
        }, "no checkout replica of the demo listens on 4444")
        let usual = try #require(checkout.first { $0.name != odd.name })
        return Recorded(manifest: contents.manifest, usual: try pod(usual), odd: try pod(odd))
    }

    /// Writes `count` copies of the recorded pods (the last one the odd
    /// replica) through the real writer, with their records unpacked under
    /// `gathered/` when `explode`, and returns the finished bundle.
    static func write(_ recorded: Recorded, count: Int, explode: Bool, to path: String) throws -> FinishedBundle {
        let writer = try BundleWriter(path: path)
        var manifest = recorded.manifest
        manifest.pods = []
        let modified = Date()
        for index in 0..<count {
            let source = index == count - 1 ? recorded.odd : recorded.usual
            var entry = source.entry
            entry.name = String(format: "checkout-6c58576cd9-%05d", index)
            entry.uid = UUID().uuidString.lowercased()
            entry.files = []
            for file in source.files {
                let path = file.name == "pod.json"
                    ? BundlePath.pod(namespace: entry.namespace, pod: entry.name, file: "pod.json")
                    : BundlePath.container(namespace: entry.namespace, pod: entry.name, container: entry.targetContainer,
                                           file: String(file.name.split(separator: "/").last ?? ""))
                entry.files.append(try writer.add(path: path, data: file.bytes, modified: modified).path)
            }
            if explode {
                let records = source.records.map { record in
                    (path: BundlePath.gathered(namespace: entry.namespace, pod: entry.name, container: entry.targetContainer,
                                               tree: "gathered", key: record.key), bytes: record.bytes)
                }
                let room = writer.reserveExplodedRecords(records.map { ($0.path, $0.bytes.count) })
                #expect(room == records.count, "pod \(index): room for \(room) of \(records.count) records")
                for record in records.prefix(room) {
                    entry.files.append(try writer.add(path: record.path, data: record.bytes, modified: modified).path)
                }
            }
            manifest.pods.append(entry)
        }
        manifest.run.finishedAt = nil
        return try writer.finish(manifest: manifest)
    }

    static func seconds(since start: Date) -> String { String(format: "%.1f s", Date().timeIntervalSince(start)) }

    static func fileSize(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    @Test("5,000 pods as collect writes them: verify, inspect and diff --replicas read them all")
    func fiveThousandPods() throws {
        let recorded = try Self.recorded()
        let demo = try DemoBundle.get()
        let path = demo.path("scale") + ".tar.gz"
        defer { try? FileManager.default.removeItem(atPath: path) }

        var start = Date()
        let finished = try Self.write(recorded, count: Self.pods, explode: false, to: path)
        let entries = finished.manifest.files.count + 1
        print("figure: 5,000 pods written in \(Self.seconds(since: start)): \(entries) entries (\(entries / Self.pods) a pod), bundle \(Self.fileSize(path) >> 20) MiB, manifest \(finished.manifestSize >> 10) KiB")
        #expect(entries == Self.pods * recorded.usual.files.count + 1)
        #expect(entries > 10_000, "more entries than the reader once refused at 500 pods")

        // The schemas hold at this size: the manifest of 5,000 pods, and the first pods' documents.
        start = Date()
        let checked = try SchemaCheck.validate(bundle: path, podDocuments: 150)
        #expect(checked.first == "manifest.json" || checked.contains("manifest.json"), "\(checked.prefix(3))")
        #expect(checked.count == 151, "\(checked.count) documents checked")
        print("figure: manifest and 150 pod documents validated against the schemas in \(Self.seconds(since: start))")

        // The library's reader, as every command uses it.
        start = Date()
        let verification = try BundleReader(path: path).verify(manifestSHA256: finished.manifestSHA256)
        #expect(verification.isIntact, "\(verification.problems.prefix(5))")
        #expect(verification.filesChecked == finished.manifest.files.count)
        print("figure: verified in-process in \(Self.seconds(since: start))")

        // verify as a user runs it.
        start = Date()
        let verify = try ToolBinary.run(["verify", path, "--manifest-sha256", finished.manifestSHA256], timeout: 300)
        #expect(verify.status == 0, "\(verify.stderr)\n\(verify.stdout.suffix(2000))")
        #expect(verify.stdout.contains("OK: every file matches the manifest."), "\(verify.stdout.suffix(2000))")
        print("figure: kubectl-evidence verify: \(Self.seconds(since: start))")

        // inspect reads every pod's parsed files.
        start = Date()
        let inspect = try ToolBinary.run(["inspect", path], timeout: 300)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("Pods:      \(Self.pods) selected: \(Self.pods) collected"), "\(inspect.stdout.prefix(2000))")
        #expect(inspect.stdout.components(separatedBy: "\n== Pod shop/checkout-6c58576cd9-").count - 1 == Self.pods)
        #expect(inspect.stdout.components(separatedBy: "[::]:8080   1/httpd").count - 1 == Self.pods)
        #expect(inspect.stdout.components(separatedBy: "[::]:4444").count - 1 == 1)
        #expect(!inspect.stdout.contains("rebuilt from evidence.raw"))
        print("figure: kubectl-evidence inspect: \(Self.seconds(since: start)), \(inspect.stdout.utf8.count >> 20) MiB of text")

        // The SnapshotDiff reading: among 5,000 replicas, the one with 4444 stands out.
        start = Date()
        let diff = try ToolBinary.run(["diff", "--replicas", path], timeout: 300)
        #expect(diff.status == 1, "\(diff.stderr)\n\(diff.stdout.prefix(2000))")
        let oddName = String(format: "checkout-6c58576cd9-%05d", Self.pods - 1)
        #expect(diff.stdout.contains("#1 \(oddName) stands out"), "\(diff.stdout.prefix(3000))")
        #expect(diff.stdout.contains("+ listener tcp [::]:4444"), "\(diff.stdout.prefix(3000))")
        print("figure: kubectl-evidence diff --replicas: \(Self.seconds(since: start))")
    }

    /// The commands read such a bundle with the same reader (`inspect --pod`
    /// of one pod took 16.5 s in a debug build, streaming past 380,000
    /// entries); the test keeps to the reader, to stay under a minute.
    @Test("5,000 pods with --explode's records (about 70 entries a pod): within the reader's limits, and verify reads them")
    func fiveThousandExplodedPods() throws {
        let recorded = try Self.recorded()
        let perPod = recorded.usual.files.count + recorded.usual.records.count
        #expect(perPod >= 60, "the demo pod has \(perPod) files with its records")
        // The arithmetic first: what the writer may write, the reader takes.
        let capacity = BundleCapacity.standard
        let limits = BundleReader.Limits()
        #expect(limits == BundleReader.Limits(capacity: capacity))
        #expect(Self.pods * perPod + 2 <= limits.maxEntries)
        #expect(capacity.maxPods * capacity.filesPerPod + capacity.runFiles + capacity.explodedFiles + 2 == limits.maxEntries)

        let demo = try DemoBundle.get()
        let path = demo.path("scale-exploded") + ".tar.gz"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var start = Date()
        let finished = try Self.write(recorded, count: Self.pods, explode: true, to: path)
        let entries = finished.manifest.files.count + 1
        print("figure: 5,000 exploded pods written in \(Self.seconds(since: start)): \(entries) entries (\(entries / Self.pods) a pod), bundle \(Self.fileSize(path) >> 20) MiB, manifest \(finished.manifestSize >> 20) MiB")
        #expect(entries > 300_000)
        #expect(entries <= limits.maxEntries)
        #expect(finished.manifestSize <= limits.maxManifestSize)

        start = Date()
        let verification = try BundleReader(path: path).verify(manifestSHA256: finished.manifestSHA256)
        #expect(verification.isIntact, "\(verification.problems.prefix(5))")
        #expect(verification.filesChecked == finished.manifest.files.count)
        print("figure: verified in-process in \(Self.seconds(since: start))")
    }
}
