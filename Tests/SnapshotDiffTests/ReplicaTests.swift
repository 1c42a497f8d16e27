import BundleSamples
import Foundation
import Presentation
import SnapshotDiff
import Testing

@Suite("diff --replicas")
struct ReplicaTests {
    let base = RealEvidence.decoded()

    @Test("the replica with an extra process and listener is first; one that only lost a connection comes after it")
    func ranking() throws {
        let odd = base.adding(process: ["nc", "-ll", "-p", "4444", "-e", "cat"], pid: 23).adding(listener: 4444, pid: 23, comm: "nc")
        var lessConnected = base
        lessConnected.sockets.connections = []
        let snapshot = try TestBundle.snapshot([
            TestPod(name: "checkout-a", uid: "a", evidence: base),
            TestPod(name: "checkout-b", uid: "b", evidence: lessConnected),
            TestPod(name: "checkout-c", uid: "c", evidence: odd),
            TestPod(name: "checkout-d", uid: "d", evidence: base),
            TestPod(name: "checkout-e", uid: "e", evidence: nil),
            TestPod(name: "db-0", uid: "db", ownerKind: "StatefulSet", ownerName: "db"),
        ])
        let report = DiffReport(replicas: ReplicaComparer.compare(snapshot))
        #expect(report.differs)
        let groups = try #require(report.replicas?.groups)
        let checkout = try #require(groups.first)
        #expect(checkout.workload == "ReplicaSet/checkout-6c58576cd9")
        #expect(checkout.replicas == 4)
        #expect(checkout.odd.map(\.pod.name) == ["checkout-c", "checkout-b"])
        #expect(checkout.odd[0].extra.map(\.key).contains("tcp [::]:4444"))
        #expect(checkout.odd[0].extra.map(\.kind) == [.process, .listener])
        #expect(checkout.odd[0].missing.isEmpty)
        #expect(checkout.odd[1].missing.allSatisfy { $0.kind == .connection } && checkout.odd[1].missing.count == 2)
        #expect(checkout.odd[0].score > checkout.odd[1].score)
        #expect(checkout.alike.map(\.name) == ["checkout-a", "checkout-d"])
        #expect(checkout.withoutEvidence.map(\.name) == ["checkout-e"])
        #expect(groups.contains { $0.workload == "StatefulSet/db" && $0.replicas == 1 && $0.odd.isEmpty })
        let text = report.renderText()
        #expect(text.contains("#1 checkout-c stands out (score 5):"), "\(text)")
    }

    @Test("identical replicas: nothing differs")
    func alike() throws {
        let snapshot = try TestBundle.snapshot([TestPod(name: "a", uid: "a", evidence: base.withPidsShifted(by: 3)),
                                                TestPod(name: "b", uid: "b", evidence: base.withEphemeralPortsShifted(by: 11))])
        let report = DiffReport(replicas: ReplicaComparer.compare(snapshot))
        #expect(!report.differs, "\(report.renderText())")
        #expect(report.renderText().contains("all alike"))
    }
}
