import BundleSamples
import Bundle
import Foundation
import Presentation
import SnapshotDiff
import Testing

/// Reading and comparing bundles of several clusters (`collect --context a,b`).
@Suite("bundles of several clusters: read, diff, diff --replicas --across-clusters")
struct MultiClusterTests {
    let base = RealEvidence.decoded()

    /// Three replicas of checkout in `east` and in `west`, two in `south` whose ReplicaSet
    /// differs (another pod template); one south replica listens on 7777.
    func fleet(oddIn cluster: String = "south") throws -> String {
        let odd = base.adding(process: ["nc", "-ll", "-p", "7777", "-e", "cat"], pid: 31).adding(listener: 7777, pid: 31, comm: "nc")
        func pods(_ cluster: String, _ count: Int, owner: String) -> [TestPod] {
            (0..<count).map { index in
                TestPod(name: "checkout-\(index)", uid: "\(cluster)-\(index)", ownerName: owner,
                        evidence: cluster == "south" && index == 1 ? odd : base)
            }
        }
        return try TestBundle.writeFleet([
            .init(name: "east", server: "https://east:6443", pods: pods("east", 3, owner: "checkout-6c58576cd9")),
            .init(name: "west", server: "https://west:6443", pods: pods("west", 3, owner: "checkout-6c58576cd9")),
            .init(name: "south", server: "https://south:6443", pods: pods("south", 2, owner: "checkout-7f9d4b8c5")),
            .init(name: "north", server: "https://north:6443", pods: [],
                  failure: .init(reason: "Unreachable", message: "The connection to the API server https://north:6443 was refused.")),
        ])
    }

    @Test("the same name in two clusters is two pods, each with its own evidence and pod.json")
    func readsEachClustersPods() throws {
        let snapshot = try Snapshot.read(path: try fleet())
        #expect(snapshot.manifest.isMultiCluster)
        #expect(snapshot.pods.count == 8)
        #expect(snapshot.pods.allSatisfy { $0.evidence != nil && $0.info != nil })
        let south = try #require(snapshot.pods.first { $0.entry.cluster == "south" && $0.entry.name == "checkout-1" })
        #expect(south.evidence?.sockets.listeners.contains { $0.localPort == 7777 } == true)
        let east = try #require(snapshot.pods.first { $0.entry.cluster == "east" && $0.entry.name == "checkout-1" })
        #expect(east.evidence?.sockets.listeners.contains { $0.localPort == 7777 } == false)
        #expect(east.info?.metadata.uid == "east-1")
        // Reading one pod by name finds it in every cluster that has it.
        let one = try Snapshot.read(path: try fleet(), pod: (namespace: "shop", name: "checkout-2"))
        #expect(one.pods.filter { $0.evidence != nil }.map(\.entry.cluster) == ["east", "west"])
    }

    @Test("--replicas compares within each cluster; --across-clusters makes one group of the Deployment and ranks the odd cluster's replica first")
    func replicasAcrossClusters() throws {
        let snapshot = try Snapshot.read(path: try fleet(), keep: .features(DiffOptions()))
        let within = ReplicaComparer.compare(snapshot)
        #expect(Set(within.groups.compactMap(\.cluster)) == ["east", "west", "south"])
        #expect(within.groups.allSatisfy { $0.replicas <= 3 })

        let across = DiffReport(replicas: ReplicaComparer.compare(snapshot, acrossClusters: true))
        let groups = try #require(across.replicas?.groups)
        let checkout = try #require(groups.first)
        #expect(groups.count == 1, "\(groups.map { "\($0.workload ?? "-")" })")
        #expect(checkout.cluster == nil)
        #expect(checkout.workload == "Deployment/checkout")
        #expect(checkout.replicas == 8)
        #expect(checkout.odd.first?.pod.cluster == "south")
        #expect(checkout.odd.first?.pod.name == "checkout-1")
        #expect(checkout.odd.first?.extra.map(\.key).contains("tcp [::]:7777") == true)
        let text = across.renderText()
        #expect(text.contains("#1 south: checkout-1 stands out"), "\(text)")
        #expect(text.contains("alike: east: checkout-0"), "\(text)")
    }

    @Test("two bundles of the same clusters pair each pod with its own cluster's, never its namesake in another")
    func diffPairsWithinTheCluster() throws {
        let old = try Snapshot.read(path: try fleet(), keep: .features(DiffOptions()))
        // The same clusters again, with new UIDs (pods recreated): only names can pair them.
        let odd = base.adding(process: ["nc", "-ll", "-p", "7777", "-e", "cat"], pid: 31).adding(listener: 7777, pid: 31, comm: "nc")
        // east's checkout-0 is gone; west still has a checkout-0, which must not stand in for it.
        let newer = try TestBundle.writeFleet([
            .init(name: "east", server: "https://east:6443", pods: (1..<3).map { TestPod(name: "checkout-\($0)", uid: "e2-\($0)", evidence: $0 == 2 ? odd : base) }),
            .init(name: "west", server: "https://west:6443", pods: (0..<3).map { TestPod(name: "checkout-\($0)", uid: "w2-\($0)", evidence: base) }),
        ], runID: "run2")
        let new = try Snapshot.read(path: newer, keep: .features(DiffOptions()))
        let comparison = SnapshotComparer.compare(old, new)
        // east's checkout-2 gained the listener; it is named with its cluster.
        #expect(comparison.pods.map(\.new.displayName) == ["east: shop/checkout-2"], "\(comparison.pods.map(\.new.displayName))")
        #expect(comparison.pods.first?.old.cluster == "east")
        // east's checkout-0 and south's pods have no counterpart: only in the old bundle, with their cluster.
        #expect(comparison.onlyInOld.map(\.displayName) == ["east: shop/checkout-0", "south: shop/checkout-0", "south: shop/checkout-1"],
                "\(comparison.onlyInOld.map(\.displayName))")
        #expect(comparison.onlyInNew.isEmpty)
        #expect(comparison.unchanged.count == 4 && comparison.unchanged.allSatisfy { $0.cluster == "east" || $0.cluster == "west" })
        // The bundles share clusters: not "from different clusters".
        #expect(!comparison.differentClusters)
    }

    @Test("inspect names every cluster, the one left out with why, and each pod's cluster")
    func inspectNamesTheClusters() throws {
        let bundle = try InspectedBundle.read(path: try fleet(), pod: nil)
        let text = InspectText.render(bundle)
        #expect(text.contains("Clusters:  4 (1 left out)"), "\(text.prefix(1500))")
        #expect(text.contains("north: https://north:6443 (context north)"))
        #expect(text.contains("LEFT OUT (Unreachable): The connection to the API server https://north:6443 was refused."))
        #expect(text.contains("CLUSTER   NAMESPACE   POD"))
        #expect(text.contains("== Pod south: shop/checkout-1 =="))
        let html = InspectHTML.render(bundle, verification: nil)
        #expect(html.contains("<th>cluster</th>"))
        #expect(html.contains("left out (Unreachable)"))
    }
}
