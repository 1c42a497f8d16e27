import Foundation
import Testing
@testable import KubeAPI

/// TYPE/NAME as kubectl takes it, and a workload's selector as `-l` takes it.
@Suite("Workloads as TYPE/NAME")
struct WorkloadReferenceTests {
    @Test("kubectl's names for each type; a type without pods and a bad form are refused with what to type")
    func parsing() throws {
        #expect(try WorkloadReference.parse("deploy/checkout") == WorkloadReference(kind: .deployment, name: "checkout"))
        #expect(try WorkloadReference.parse("statefulsets.apps/db") == WorkloadReference(kind: .statefulSet, name: "db"))
        #expect(try WorkloadReference.parse("ds/agent")?.kind == .daemonSet)
        #expect(try WorkloadReference.parse("RS/checkout-6c58576cd9")?.kind == .replicaSet)
        #expect(try WorkloadReference.parse("job/migrate")?.kind == .job)
        #expect(try WorkloadReference.parse("checkout-6c58576cd9-d6fch") == nil)
        let service = #expect(throws: WorkloadReferenceError.self) { try WorkloadReference.parse("svc/checkout") }
        #expect(service?.description.contains("has no pods to select") == true)
        #expect(throws: WorkloadReferenceError.self) { try WorkloadReference.parse("deploy/") }
        #expect(throws: WorkloadReferenceError.self) { try WorkloadReference.parse("deploy/a/b") }
    }

    @Test("matchLabels and every matchExpressions operator render as -l takes them")
    func selectorText() throws {
        let json = #"{"matchLabels":{"tier":"web","app":"checkout"},"matchExpressions":[{"key":"env","operator":"In","values":["prod","canary"]},{"key":"track","operator":"NotIn","values":["beta"]},{"key":"owner","operator":"Exists"},{"key":"legacy","operator":"DoesNotExist"}]}"#
        let selector = try JSONDecoder().decode(WorkloadSelector.self, from: Data(json.utf8))
        #expect(try selector.labelSelectorText() == "app=checkout,tier=web,env in (canary,prod),track notin (beta),owner,!legacy")
        #expect(try WorkloadSelector().labelSelectorText() == nil)
        let odd = try JSONDecoder().decode(WorkloadSelector.self, from: Data(#"{"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]}"#.utf8))
        #expect(throws: WorkloadReferenceError.self) { try odd.labelSelectorText() }
    }
}
