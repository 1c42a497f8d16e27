import Foundation
import KubeLab
import Testing

/// limit/continue as the real server pages: tokens of the recorded form, every pod
/// exactly once, a consistent snapshot across pages, 410 for a token too old.
@Suite("pagination")
struct PaginationTests {
    static let topology = LabTopology.generated(namespace: "bench", pods: 2_500, labels: ["app": "bench"])

    @Test("2,500 pods in pages of 500: every pod exactly once, even with changes between pages")
    func pagesOf500() async throws {
        let lab = try await LabFixture.start(PaginationTests.topology)
        defer { Task { try await lab.stop() } }
        let curl = Curl(lab: lab, userAgent: "kubelab-tests/1")
        var seen: [String] = []
        var token: String? = nil
        var pages = 0
        var firstRV: String? = nil
        repeat {
            var path = "/api/v1/namespaces/bench/pods?limit=500"
            if let token { path += "&continue=" + q(token) }
            let r = try await curl.request(path)
            #expect(r.status == 200, "\(r.text.prefix(300))")
            let json = try r.json()
            let metadata = try #require(json["metadata"] as? [String: Any])
            let items = try #require(json["items"] as? [[String: Any]])
            seen += items.map { ($0["metadata"] as? [String: Any])?["name"] as? String ?? "" }
            // List items carry no kind/apiVersion, as in the recorded PodList, and are the lab's cached bytes.
            #expect(items.first?["kind"] == nil)
            if pages == 0 {
                let firstName = try #require((items.first?["metadata"] as? [String: Any])?["name"] as? String)
                let item = try #require(lab.server.podListItemJSON(namespace: "bench", name: firstName))
                #expect(r.text.contains(#""items":["# + String(decoding: item, as: UTF8.self)))
            }
            if firstRV == nil { firstRV = metadata["resourceVersion"] as? String }
            #expect(metadata["resourceVersion"] as? String == firstRV, "every page has the first page's resourceVersion")
            token = metadata["continue"] as? String
            if token != nil {
                #expect(metadata["remainingItemCount"] as? Int == 2_500 - seen.count)
                // A pod deleted and one created between pages change nothing in this list.
                if pages == 1 {
                    let victim = lab.server.pods(namespace: "bench").last!.name
                    lab.server.deletePod(namespace: "bench", name: victim)
                    try lab.server.createPod(namespace: "bench", manifest: #"{"metadata":{"name":"aaa-new","labels":{"app":"bench"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#)
                }
            } else {
                #expect(metadata["remainingItemCount"] == nil)
            }
            pages += 1
        } while token != nil && pages < 10
        #expect(pages == 5)
        #expect(seen.count == 2_500)
        #expect(Set(seen).count == 2_500)
        #expect(seen == seen.sorted(), "pods come in key order")
        #expect(!seen.contains("aaa-new"))
    }

    @Test("the continue token has the real server's form")
    func tokenForm() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods?labelSelector=" + q("app=checkout") + "&limit=2")
        let metadata = try #require(try r.json()["metadata"] as? [String: Any])
        let token = try #require(metadata["continue"] as? String)
        #expect(metadata["remainingItemCount"] == nil, "no remainingItemCount with a label selector")
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        let decoded = String(decoding: try #require(Data(base64Encoded: b64)), as: UTF8.self)
        let second = lab.server.pods(namespace: "shop").filter { $0.labels["app"] == "checkout" }[1].name
        #expect(decoded == #"{"v":"meta.k8s.io/v1","rv":\#(metadata["resourceVersion"] as! String),"start":"\#(second)\u0000"}"#)
        // The recorded token decodes to the same form.
        let recorded = try LabFixture.fixture("pods/podlist-page1.json")
        var rb64 = ((recorded["metadata"] as? [String: Any])?["continue"] as? String ?? "")
        while rb64.count % 4 != 0 { rb64 += "=" }
        #expect(String(decoding: Data(base64Encoded: rb64) ?? Data(), as: UTF8.self).hasPrefix(#"{"v":"meta.k8s.io/v1","rv":1993,"start":""#))

        // Across namespaces the key is namespace/name.
        let all = try await Curl(lab: lab).request("/api/v1/pods?limit=1")
        let allToken = try #require((try all.json()["metadata"] as? [String: Any])?["continue"] as? String)
        var ab64 = allToken.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while ab64.count % 4 != 0 { ab64 += "=" }
        let first = lab.server.pods()[0]
        #expect(String(decoding: Data(base64Encoded: ab64) ?? Data(), as: UTF8.self).contains(#""start":"\#(first.namespace)/\#(first.name)\u0000""#))
    }

    @Test("a continue token too old is 410 Expired, a broken one 400")
    func expiredAndInvalid() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let old = Data(#"{"v":"meta.k8s.io/v1","rv":1,"start":"a\u0000"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        let r = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods?limit=2&continue=" + q(old))
        #expect(r.status == 410)
        let json = try r.json()
        #expect(json["reason"] as? String == "Expired")
        #expect(
            json["message"] as? String
                == "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
        )
        #expect((json["metadata"] as? [String: Any])?["continue"] is String)
        let bad = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods?limit=2&continue=%21%21%21")
        #expect(bad.status == 400)
        #expect(try bad.json()["reason"] as? String == "BadRequest")
    }
}
