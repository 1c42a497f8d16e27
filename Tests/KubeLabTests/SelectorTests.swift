import Foundation
import Testing

@testable import KubeLab

/// The label and field selector grammar, against the apimachinery parser's behaviour
/// and wording (the real server's messages for bad selectors).
@Suite("selectors")
struct SelectorTests {
    let labels = ["app": "checkout", "tier": "web", "pod-template-hash": "78b65f974c", "example.com/team": "pay"]

    @Test(
        "good label selectors match as the real server matches",
        arguments: [
            ("app=checkout", true), ("app==checkout", true), ("app!=checkout", false), ("app!=db", true),
            ("app in (checkout,db)", true), ("app in (db)", false), ("app notin (db, ledger)", true), ("app notin (checkout)", false),
            ("tier", true), ("!tier", false), ("!missing", true), ("missing", false), ("missing!=x", true),
            ("app=checkout,tier=web", true), ("app=checkout,tier=db", false), ("  app = checkout ,  tier in ( web , x )  ", true),
            ("example.com/team=pay", true), ("app in (checkout),!missing,tier", true), ("", true), ("app=", false),
            ("app in (,checkout)", true), ("app in ()", false),
        ])
    func goodSelectors(selector: String, matches: Bool) throws {
        let parsed = try LabelSelector.parse(selector)
        #expect(parsed.matches(labels) == matches, "selector \(selector)")
    }

    @Test(
        "bad label selectors fail with the server's message",
        arguments: [
            ("app in (", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
            ("app in", "unable to parse requirement: found '' expected: '('"),
            ("app in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
            ("app=a,", "found '', expected: identifier after ','"),
            ("app=a b", "found 'b', expected: ',' or 'end of string'"),
            ("=a", "found '=', expected: !, identifier, or 'end of string'"),
            ("app ~ a", "unable to parse requirement: found '~', expected: in, notin, =, ==, !=, gt, lt"),
            ("app=(", "unable to parse requirement: found '(', expected: identifier"),
            ("app=-x", "unable to parse requirement: values[0][app]: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
            ("-app=x", "unable to parse requirement: <nil>: Invalid value: \"-app\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
            ("a/b/c=x", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
        ])
    func badSelectors(selector: String, message: String) {
        #expect(throws: LabelSelector.ParseError(message: message)) { try LabelSelector.parse(selector) }
    }

    @Test("field selectors: =, ==, != and the fields a pod supports")
    func fieldSelectors() throws {
        let f = try FieldSelector.parse("status.phase!=Running,spec.nodeName==kubelab-node-1")
        #expect(f.terms.count == 2)
        #expect(f.matches { ["status.phase": "Succeeded", "spec.nodeName": "kubelab-node-1"][$0] })
        #expect(!f.matches { ["status.phase": "Running", "spec.nodeName": "kubelab-node-1"][$0] })
        #expect(throws: (any Error).self) { try FieldSelector.parse("status.phase").validate(supported: LabPod.supportedFieldLabels) }
        do {
            try FieldSelector.parse("spec.containers=x").validate(supported: LabPod.supportedFieldLabels)
            Issue.record("an unsupported field was accepted")
        } catch {
            #expect(error.message == "field label not supported: spec.containers")
        }
        do {
            _ = try FieldSelector.parse("status.phase")
            Issue.record("a term without operator was accepted")
        } catch {
            #expect(error.message == "invalid selector: 'status.phase'; can't understand 'status.phase'")
        }
    }

    @Test("the lab answers a bad selector with the recorded 400 Status")
    func serverBadSelector() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods?labelSelector=" + q("app in ("))
        #expect(r.status == 400)
        // curl gets the indented form, byte for byte as the recorded server sent it.
        let recorded = try Fixtures.text("errors/400-bad-label-selector.json")
        #expect(r.text == recorded.trimmingCharacters(in: .newlines))
    }

    @Test("the lab filters with label and field selectors, across namespaces too")
    func serverFilters() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let curl = Curl(lab: lab)
        func names(_ path: String) async throws -> [String] {
            let r = try await curl.request(path)
            #expect(r.status == 200, "\(path): \(r.text)")
            return try (r.json()["items"] as? [[String: Any]] ?? []).map { ($0["metadata"] as? [String: Any])?["name"] as? String ?? "" }
        }
        let all = lab.server.pods()
        #expect(try await names("/api/v1/pods?labelSelector=" + q("app notin (checkout),!statefulset.kubernetes.io/pod-name"))
            == all.filter { $0.labels["app"] != "checkout" && $0.labels["statefulset.kubernetes.io/pod-name"] == nil }.map(\.name))
        let node = try #require(all.first?.nodeName)
        #expect(try await names("/api/v1/namespaces/shop/pods?fieldSelector=" + q("spec.nodeName=\(node)"))
            == all.filter { $0.namespace == "shop" && $0.nodeName == node }.map(\.name))
        let first = all[0]
        #expect(try await names("/api/v1/pods?fieldSelector=" + q("metadata.name=\(first.name),metadata.namespace=\(first.namespace)")) == [first.name])
        let r = try await curl.request("/api/v1/pods?fieldSelector=" + q("spec.containers=x"))
        #expect(r.status == 400)
        #expect(try r.json()["message"] as? String == "field label not supported: spec.containers")
        #expect(try r.json()["reason"] as? String == "BadRequest")
    }
}
