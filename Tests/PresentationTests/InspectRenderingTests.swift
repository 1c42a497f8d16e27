import Bundle
import BundleSamples
import Foundation
import Presentation
import Testing

/// inspect's three renderings of one real bundle, in process: what a person
/// reads (text, HTML) and what a script reads (JSON), from the one reader.
@Suite("inspect renderings")
struct InspectRenderingTests {
    static let hostile = "evil\u{1B}]0;owned\u{07}</td><script>alert(1)</script>"

    static func bundle() throws -> String {
        let base = RealEvidence.decoded()
        return try TestBundle.write([
            TestPod(name: "checkout-a", uid: "uid-a", evidence: base.adding(process: [hostile, "--serve"], pid: 66)),
            TestPod(name: "checkout-b", uid: "uid-b", evidence: nil),
        ])
    }

    @Test("the text names every pod with its outcome and shows a hostile command line escaped")
    func text() throws {
        let inspected = try InspectedBundle.read(path: Self.bundle(), pod: nil)
        let text = InspectText.render(inspected)
        #expect(text.contains("== Pod shop/checkout-a =="))
        #expect(text.contains("== Pod shop/checkout-b =="))
        #expect(text.contains("Evidence:   none in the bundle for this pod."))
        #expect(text.contains(#"evil\u{1B}]0;owned\u{07}"#), "\(text)")
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    }

    @Test("a cluster left out before it was asked who we are says so, and its refusal of several lines reads as one, not as escaped newlines")
    func leftOutCluster() throws {
        let refusal = "The preflight refused every namespace, so nothing was injected:\n  shop: `kubectl auth can-i patch pods/ephemeralcontainers -n shop` says no\n"
        let path = try TestBundle.writeFleet([
            .init(name: "east", server: "https://east:6443", pods: [TestPod(name: "checkout-a", uid: "east-a", evidence: RealEvidence.decoded())]),
            .init(name: "north", server: "https://north:6443", pods: [], failure: .init(reason: "PreflightRefused", message: refusal)),
        ])
        let inspected = try InspectedBundle.read(path: path, pod: nil)
        let text = InspectText.render(inspected)
        let north = try #require(text.split(separator: "\n").first { $0.contains("north: ") }.map(String.init), "\(text)")
        #expect(north.contains("as not asked (the cluster was left out first)"), "\(north)")
        #expect(north.contains("LEFT OUT (PreflightRefused): The preflight refused every namespace, so nothing was injected: shop: `kubectl auth can-i"), "\(north)")
        #expect(!north.contains("\\u{0A}"), "\(north)")
        let html = InspectHTML.render(inspected, verification: nil)
        #expect(html.contains("not asked (the cluster was left out first)"))
    }

    @Test("in a bundle of several clusters --pod with a cluster keeps that cluster's pod; without it, the pod of every cluster")
    func onePodOfOneCluster() throws {
        let path = try TestBundle.writeFleet([
            .init(name: "east", server: "https://east:6443", pods: [TestPod(name: "db-0", uid: "east-0", evidence: RealEvidence.decoded())]),
            .init(name: "arn:aws:eks:eu-west-1:1:cluster/west", server: "https://west:6443",
                  pods: [TestPod(name: "db-0", uid: "west-0", evidence: RealEvidence.decoded())]),
        ])
        #expect(try InspectedBundle.read(path: path, pod: ("shop", "db-0")).pods.count == 2)
        let west = try InspectedBundle.read(path: path, pod: ("shop", "db-0"), cluster: "arn:aws:eks:eu-west-1:1:cluster/west")
        #expect(west.pods.map(\.entry.uid) == ["west-0"])
        // Only that cluster's files were read, and its evidence is there (the cluster's name is made safe in paths).
        #expect(west.pods.first?.evidence != nil)
        let error = try #require(throws: InspectError.self) { try InspectedBundle.read(path: path, pod: ("shop", "db-0"), cluster: "north") }
        #expect(error.message.contains(#"has no pod "north/shop/db-0"; its pods are: "east/shop/db-0", "arn:aws:eks:eu-west-1:1:cluster/west/shop/db-0"."#),
                "\(error.message)")
        let single = try Self.bundle()
        let one = try #require(throws: InspectError.self) { try InspectedBundle.read(path: single, pod: ("shop", "checkout-a"), cluster: "east") }
        #expect(one.message.contains("it is a bundle of one cluster"), "\(one.message)")
    }

    @Test("--pod keeps one pod; a pod the bundle lacks is named with the pods it has")
    func onePod() throws {
        let path = try Self.bundle()
        let one = try InspectedBundle.read(path: path, pod: ("shop", "checkout-b"))
        #expect(one.pods.map(\.entry.name) == ["checkout-b"])
        let error = try #require(throws: InspectError.self) { try InspectedBundle.read(path: path, pod: ("shop", "nope")) }
        #expect(error.message.contains(#"has no pod "shop/nope"; its pods are: "shop/checkout-a", "shop/checkout-b"."#), "\(error.message)")
    }

    @Test("the JSON holds the outcomes and each pod's decoded evidence, the hostile string intact for jq")
    func json() throws {
        let inspected = try InspectedBundle.read(path: Self.bundle(), pod: nil)
        var data = Data()
        try InspectJSON.render(inspected, spill: nil) { data.append($0) }
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let outcomes = try #require(object["outcomes"] as? [String: Int])
        #expect(outcomes["collected"] == 1 && outcomes["failed"] == 1)
        let pods = try #require(object["pods"] as? [[String: Any]])
        #expect(pods.count == 2)
        let processes = try #require((pods[0]["processes"] as? [String: Any])?["processes"] as? [[String: Any]])
        #expect(processes.contains { ($0["argv"] as? [String])?.first == Self.hostile })
        #expect(pods[1]["processes"] == nil)
    }

    @Test("--json streams each pod's evidence through a scratch file: the same document as from the tables in memory, pretty and valid")
    func jsonThroughTheSpill() throws {
        let path = try Self.bundle()
        func rendered(_ keep: InspectedBundle.Keep, spill: EvidenceSpill?) throws -> Data {
            let inspected = try InspectedBundle.read(path: path, pod: nil, keep: keep)
            var data = Data()
            try InspectJSON.render(inspected, spill: spill) { data.append($0) }
            return data
        }
        let spill = try EvidenceSpill()
        let streamed = try rendered(.json(spill), spill: spill)
        let inMemory = try rendered(.evidence, spill: nil)
        #expect(streamed == inMemory)
        let object = try #require(try JSONSerialization.jsonObject(with: streamed) as? NSDictionary)
        #expect((object["pods"] as? [Any])?.count == 2)
        // Laid out as JSONOutput lays out every document: two spaces a level, " : ", keys sorted.
        let text = String(decoding: streamed, as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"bundle\" : "), "\(text.prefix(80))")
        #expect(text.hasSuffix("}\n"))
        let topKeys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(topKeys == ["bundle", "cluster", "manifestSHA256", "outcomes", "pods", "run", "selection", "signature", "tool"])
    }

    @Test("the HTML page escapes the hostile string and says whether the bundle verified")
    func html() throws {
        let path = try Self.bundle()
        let inspected = try InspectedBundle.read(path: path, pod: nil)
        let page = InspectHTML.render(inspected, verification: try BundleReader(path: path).verify())
        #expect(!page.contains("<script>alert"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!page.unicodeScalars.contains { $0.value == 0x1B })
        #expect(page.contains("checkout-b"))
    }
}
