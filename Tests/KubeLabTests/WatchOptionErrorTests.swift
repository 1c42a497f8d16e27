import Foundation
import Testing

@testable import KubeLab

/// The watch parameters the server refuses, each answered as a v1.36.2 cluster answered
/// `curl …/namespaces/lab-check-logs/pods?watch=1&…` (its texts below).
@Suite("watch: refused parameters")
struct WatchOptionErrorTests {
    static let base = "/api/v1/namespaces/shop/pods?watch=1"

    static func status(_ r: CurlResponse) throws -> [String: Any] { try r.json() }

    @Test("timeoutSeconds that is not an integer: 400 with strconv's text; selectors are read first")
    func timeoutSeconds() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            for (value, text) in [("abc", #"parsing "abc": invalid syntax"#), ("1.5", #"parsing "1.5": invalid syntax"#), ("", #"parsing "": invalid syntax"#)] {
                let r = try await curl.request(Self.base + "&resourceVersion=0&timeoutSeconds=" + value)
                #expect(r.status == 400)
                #expect(try Self.status(r)["message"] as? String == "strconv.ParseInt: " + text)
            }
            let both = try await curl.request(Self.base + "&timeoutSeconds=x&labelSelector=" + q("a===b"))
            #expect(try Self.status(both)["message"] as? String == "unable to parse requirement: found '=', expected: identifier")
        }
    }

    @Test("sendInitialEvents and resourceVersionMatch: each needs the other; 422 on ListOptions.meta.k8s.io \"\"")
    func initialEventsAndMatch() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            let alone = try await curl.request(Self.base + "&sendInitialEvents=true")
            #expect(alone.status == 422)
            let o = try Self.status(alone)
            #expect(o["reason"] as? String == "Invalid")
            #expect(o["message"] as? String
                == #"ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"#)
            let details = try #require(o["details"] as? NSDictionary)
            let cause: NSDictionary = [
                "reason": "FieldValueForbidden", "message": "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                "field": "resourceVersionMatch",
            ]
            #expect(details == ["group": "meta.k8s.io", "kind": "ListOptions", "causes": [cause]])
            #expect(try await curl.request(Self.base + "&sendInitialEvents=false").status == 422)

            let exact = try await curl.request(Self.base + "&resourceVersionMatch=Exact")
            #expect(try Self.status(exact)["message"] as? String == """
                ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch \
                unless sendInitialEvents is provided, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]
                """)
            let reasons = (try Self.status(exact)["details"] as? [String: Any])?["causes"] as? [[String: Any]]
            #expect(reasons?.map { $0["reason"] as? String } == ["FieldValueForbidden", "FieldValueNotSupported"])
        }
    }

    @Test("a resourceVersion that is not an unsigned number: 500 whose Status has no reason")
    func unparsableResourceVersion() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            for (value, why) in [("abc", "invalid syntax"), ("-1", "invalid syntax"), ("+5", "invalid syntax"), ("99999999999999999999", "value out of range")] {
                let r = try await curl.request(Self.base + "&resourceVersion=" + q(value))
                #expect(r.status == 500)
                let o = try Self.status(r)
                #expect(o["message"] as? String == "resourceVersion: Invalid value: \(goQuote(value)): strconv.ParseUint: parsing \(goQuote(value)): \(why)")
                #expect(Set(o.keys) == ["kind", "apiVersion", "metadata", "status", "message", "code"])
                #expect(o["code"] as? Int == 500)
            }
        }
    }
}
