import Bundle
import Foundation
import Testing

/// Archive paths are built by the tool; names from pods are sanitised so
/// they can never leave `pods/<namespace>/<pod>/…` or collide.
@Suite struct BundlePathTests {
    static let hostileNames: [String] = [
        "..", ".", "", "../../etc", "a/b", "/abs", "a\\..\\b", "x\0y", "\0", "nul\0../../etc/passwd",
        "\u{1b}[2J\u{1b}]0;owned\u{07}", "line\nbreak", "tab\there", "UPPER", "Ärger", "🙂", "-rf", ".hidden",
        "a%2fb", "a~b", "%", String(repeating: "a", count: 254), String(repeating: "x", count: 10_000),
        String(repeating: "../", count: 3_400), String(repeating: "é", count: 5_000),
    ]

    @Test(arguments: ["shop", "kube-system", "checkout-7d9f8b6c5-x2x9z", "pod.json", "output.raw",
                      "evidence-r4211", "a.b.c", "db_0", String(repeating: "a", count: 253)])
    func realKubernetesNamesPassUnchanged(name: String) {
        #expect(BundlePath.sanitize(name) == name)
    }

    @Test(arguments: hostileNames)
    func aHostileNameBecomesOneSafeComponent(name: String) {
        let safe = BundlePath.sanitize(name)
        #expect(safe != name)
        #expect(!safe.isEmpty && safe != "." && safe != "..")
        #expect(safe.utf8.count <= BundlePath.maxComponentLength)
        #expect(!safe.hasPrefix(".") && !safe.hasPrefix("-"))
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._~%-".unicodeScalars)
        #expect(safe.unicodeScalars.allSatisfy(allowed.contains), "\(safe.debugDescription)")
        #expect(BundlePath.sanitize(name) == safe, "not deterministic")
        #expect(safe.contains("~"), "a rewritten name carries its hash suffix")
    }

    @Test(arguments: hostileNames)
    func aHostileNameNeverEscapesPods(name: String) {
        let paths = [
            BundlePath.pod(namespace: name, pod: name, file: name),
            BundlePath.container(namespace: name, pod: name, container: name, file: name),
            BundlePath.container(namespace: "shop", pod: "a", container: name, file: "output.raw"),
        ]
        for path in paths {
            let components = path.string.split(separator: "/", omittingEmptySubsequences: false)
            #expect(components.first == "pods")
            #expect(components.count == (path.string.contains("/containers/") ? 6 : 4), "\(path)")
            #expect(!components.contains("..") && !components.contains(".") && !components.contains(""))
            #expect(!path.string.contains("\0") && !path.string.contains("\\"))
        }
    }

    @Test func differentHostileNamesNeverCollide() {
        var names = Self.hostileNames
        // Pairs that look alike after escaping or cutting.
        let long = String(repeating: "x", count: 10_000)
        names += [long + "1", long + "2", "a/b/", "a/b//", "A", "a%41", "%41", "x\0", "x\0\0", "ä", "a\u{308}"]
        names += ["shop", "a"]  // clean names that hostile ones might imitate
        var seen: [String: String] = [:]
        for name in names {
            let safe = BundlePath.sanitize(name)
            if let other = seen[safe], other != name {
                Issue.record("\(name.debugDescription) and \(other.debugDescription) both became \(safe)")
            }
            seen[safe] = name
        }
        #expect(BundlePath.sanitize("a/b") != "a%2fb" && BundlePath.sanitize("a%2fb") != BundlePath.sanitize("a/b"))
    }

    @Test func aRewrittenNameStillShowsWhatItWas() {
        #expect(BundlePath.sanitize("a/b").hasPrefix("a%2fb~"))
        #expect(BundlePath.sanitize("..").hasPrefix("%2e.~"))
        #expect(BundlePath.sanitize("x\0y").hasPrefix("x%00y~"))
        #expect(BundlePath.sanitize("UPPER").hasPrefix("%55%50%50%45%52~"))
    }

    static func gathered(_ key: String) -> BundlePath {
        .gathered(namespace: "shop", pod: "a", container: "app", tree: "gathered", key: key)
    }

    @Test func aPlainGatheredKeyBecomesDirectories() {
        #expect(Self.gathered("proc/123/cmdline").string == "pods/shop/a/containers/app/gathered/proc/123/cmdline")
        #expect(Self.gathered("net/tcp6").string == "pods/shop/a/containers/app/gathered/net/tcp6")
    }

    @Test(arguments: ["", "/", "//", "../../../../etc/passwd", "/proc/1/root/../../x", "a//b", "a/b/", "/a/b",
                      "a/./b", String(repeating: "d/", count: 500) + "x", String(repeating: "x", count: 10_000) + "/y",
                      "proc/1/fd/\u{1b}[2J", "proc/1/\0/x", "proc/1/cmdline\n../x"])
    func aHostileGatheredKeyStaysInItsTree(key: String) {
        let path = Self.gathered(key).string
        #expect(path.hasPrefix("pods/shop/a/containers/app/gathered/"))
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        #expect(components.count > 6 && components.count <= 6 + BundlePath.maxKeyDepth, "\(path)")
        #expect(!components.contains("..") && !components.contains(".") && !components.contains(""), "\(path)")
        #expect(components.allSatisfy { $0.utf8.count <= BundlePath.maxComponentLength })
        #expect(!path.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func differentGatheredKeysNeverShareAPath() {
        let deep: [String] = (1...12).map { "d\($0)" }
        let head: String = deep.prefix(7).joined(separator: "/")
        var keys: [String] = ["a/b", "a//b", "a/b/", "/a/b", "a_b", "a/b_c", "a/b/c"]
        keys.append(deep.joined(separator: "/"))
        keys.append(head + "/" + deep.dropFirst(7).joined(separator: "_"))  // what a join of the deep parts would give
        keys.append(head + "/" + deep.dropFirst(7).joined(separator: "/") + "/")
        let paths = keys.map { Self.gathered($0).string }
        #expect(Set(paths).count == keys.count, "\(paths)")
    }

    @Test func hostileNamesWrittenAndUnpackedStayUnderPods() throws {
        try withTemporaryDirectory { directory in
            let bundle = directory + "/hostile-names.tar.gz"
            let writer = try BundleWriter(path: bundle)
            for (index, name) in Self.hostileNames.enumerated() {
                try writer.add(path: .container(namespace: name, pod: name, container: name, file: "\(index)-\(name)"),
                               data: Array("file \(index)".utf8), modified: Date())
            }
            _ = try writer.finish(manifest: sampleManifest())
            // Our reader accepts every path the writer made…
            #expect(try BundleReader(path: bundle).verify().problems == [])
            // …and the real tar unpacks them all below the directory.
            let unpacked = directory + "/unpacked"
            try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
            let extract = try run(["tar", "-xzf", bundle, "-C", unpacked])
            #expect(extract.status == 0, "tar: \(extract.stderr)")
            let top = try FileManager.default.contentsOfDirectory(atPath: unpacked).sorted()
            #expect(top == ["manifest.json", "pods"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["hostile-names.tar.gz", "unpacked"])
            let files = FileManager.default.enumerator(atPath: unpacked + "/pods")?.compactMap { $0 as? String }
                .filter { $0.split(separator: "/").count == 5 } ?? []
            #expect(files.count == Self.hostileNames.count)
        }
    }
}
