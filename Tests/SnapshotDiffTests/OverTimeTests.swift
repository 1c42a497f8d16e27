import BundleSamples
import Evidence
import Foundation
import Presentation
import SnapshotDiff
import Testing

/// Two snapshots of the same selection, written as real bundles from real
/// lab evidence with one thing changed at a time.
@Suite("diff over time")
struct OverTimeTests {
    let base = RealEvidence.decoded()

    private func pods(_ evidence: [Snapshot.ContainerEvidence?]) -> [TestPod] {
        evidence.enumerated().map { TestPod(name: "checkout-6c58576cd9-p\($0.offset)", uid: "uid-\($0.offset)", evidence: $0.element) }
    }

    @Test("the same evidence under other pids and ephemeral ports: nothing differs")
    func noiseOnly() throws {
        let old = try TestBundle.snapshot(pods([base, base]))
        let new = try TestBundle.snapshot(pods([base.withPidsShifted(by: 40).withEphemeralPortsShifted(by: 7), base]), runID: "run2")
        let report = SnapshotComparer.report([old, new])
        #expect(report.mode == .diff)
        #expect(!report.differs, "\(report.renderText())")
        #expect(report.comparisons?.first?.unchanged.count == 2)
        #expect(report.renderText().contains("No differences in 2 matched pods."))
    }

    @Test("a new process with a new listener in one pod: exactly those two, in that pod")
    func newProcessAndListener() throws {
        let changed = base.adding(process: ["nc", "-ll", "-p", "7777", "-e", "cat"], pid: 186).adding(listener: 7777, pid: 186, comm: "nc")
        let report = SnapshotComparer.report([try TestBundle.snapshot(pods([base, base])),
                                              try TestBundle.snapshot(pods([base, changed]), runID: "run2")])
        let comparison = try #require(report.comparisons?.first)
        #expect(report.differs)
        #expect(comparison.pods.count == 1)
        let pod = try #require(comparison.pods.first)
        #expect(pod.new.name == "checkout-6c58576cd9-p1")
        #expect(pod.matchedBy == "uid")
        #expect(pod.processes.added.map(\.text) == ["nc -ll -p 7777 -e cat (exe busybox)"])
        #expect(pod.processes.added.first?.pids == [186])
        #expect(pod.listeners.added.map(\.key) == ["tcp [::]:7777"])
        #expect(pod.processes.removed.isEmpty && pod.listeners.removed.isEmpty && pod.connections.isEmpty && pod.anomalies.isEmpty)
        #expect(pod.namespaces.isEmpty && pod.restarts.isEmpty && pod.images.isEmpty && pod.notes.isEmpty)
        let text = report.renderText()
        #expect(text.contains("+ process nc -ll -p 7777 -e cat (exe busybox) [pid 186]"), "\(text)")
        #expect(text.contains("+ listener tcp [::]:7777"), "\(text)")

        // Backwards, the same things are gone.
        let back = SnapshotComparer.report([try TestBundle.snapshot(pods([base, changed])), try TestBundle.snapshot(pods([base, base]))])
        #expect(back.comparisons?.first?.pods.first?.listeners.removed.map(\.key) == ["tcp [::]:7777"])
    }

    @Test("a new outbound connection is known by its far end and owner, not its local port")
    func newConnection() throws {
        let one = base.adding(connectionTo: "10.96.0.10", port: 5432, localPort: 40001, pid: 1)
        let other = base.adding(connectionTo: "10.96.0.10", port: 5432, localPort: 51234, pid: 1)
        let old = try TestBundle.snapshot(pods([base]))
        let report = SnapshotComparer.report([old, try TestBundle.snapshot(pods([one]), runID: "run2")])
        let pod = try #require(report.comparisons?.first?.pods.first)
        #expect(pod.connections.added.map(\.text) == ["tcp → 10.96.0.10:5432 by httpd -f -p 8080 (exe busybox)"])
        // Same far end, another ephemeral port: no difference.
        let again = SnapshotComparer.report([try TestBundle.snapshot(pods([one])), try TestBundle.snapshot(pods([other]))])
        #expect(!again.differs, "\(again.renderText())")
    }

    @Test("a restarted pod: the restart count and the new namespace ids")
    func restartedPod() throws {
        var after = pods([base.restarted()])
        after[0].restarts = 1
        let report = SnapshotComparer.report([try TestBundle.snapshot(pods([base])), try TestBundle.snapshot(after, runID: "run2")])
        let pod = try #require(report.comparisons?.first?.pods.first)
        #expect(pod.restarts == [DiffReport.RestartChange(container: "app", old: 0, new: 1)])
        #expect(pod.namespaces.map(\.type) == ["mnt", "pid"])
        let mnt = try #require(base.namespaces.container?.namespaces["mnt"])
        #expect(pod.namespaces.first == DiffReport.NamespaceChange(type: "mnt", old: mnt, new: mnt + 100))
        #expect(report.renderText().contains("~ restarts of app: 0 → 1"))
    }

    @Test("an image change shows the old and new digests")
    func imageChange() throws {
        var after = pods([base])
        after[0].imageID = "docker.io/library/busybox@sha256:ffff"
        let report = SnapshotComparer.report([try TestBundle.snapshot(pods([base])), try TestBundle.snapshot(after, runID: "run2")])
        #expect(report.comparisons?.first?.pods.first?.images.first?.new == "docker.io/library/busybox@sha256:ffff")
    }

    @Test("pods only in one bundle; a recreated pod is matched by name, or by workload when it is the only one")
    func matching() throws {
        let old = try TestBundle.snapshot([
            TestPod(name: "db-0", uid: "db0-a", ownerKind: "StatefulSet", ownerName: "db"),
            TestPod(name: "single-abc", uid: "s-a", ownerName: "single-6f"),
            TestPod(name: "checkout-6c58576cd9-aaaaa", uid: "c-a"),
            TestPod(name: "checkout-6c58576cd9-bbbbb", uid: "c-b"),
        ])
        let new = try TestBundle.snapshot([
            TestPod(name: "db-0", uid: "db0-b", ownerKind: "StatefulSet", ownerName: "db"),
            TestPod(name: "single-xyz", uid: "s-b", ownerName: "single-6f"),
            TestPod(name: "checkout-6c58576cd9-bbbbb", uid: "c-b"),
            TestPod(name: "checkout-6c58576cd9-ccccc", uid: "c-c"),
            TestPod(name: "checkout-6c58576cd9-ddddd", uid: "c-d"),
        ], runID: "run2")
        let c = try #require(SnapshotComparer.report([old, new]).comparisons?.first)
        // Matched pods without changes are unchanged, whichever way they matched.
        #expect(Set(c.unchanged.map(\.name)) == ["db-0", "single-xyz", "checkout-6c58576cd9-bbbbb"])
        // Among several replicas of one owner, no pairing is guessed.
        #expect(c.onlyInOld.map(\.name) == ["checkout-6c58576cd9-aaaaa"])
        #expect(c.onlyInNew.map(\.name) == ["checkout-6c58576cd9-ccccc", "checkout-6c58576cd9-ddddd"])
        #expect(c.differs)
        let text = SnapshotComparer.report([old, new]).renderText()
        #expect(text.contains("- pod shop/checkout-6c58576cd9-aaaaa (uid c-a) only in the old bundle"), "\(text)")

        // With a change, the way each was matched is named.
        let changed = base.adding(process: ["sh"], pid: 300)
        let later = try TestBundle.snapshot([
            TestPod(name: "db-0", uid: "db0-c", ownerKind: "StatefulSet", ownerName: "db", evidence: changed),
            TestPod(name: "single-new", uid: "s-c", ownerName: "single-6f", evidence: changed),
        ], runID: "run3")
        let matched = try #require(SnapshotComparer.report([new, later]).comparisons?.first)
        #expect(Dictionary(uniqueKeysWithValues: matched.pods.map { ($0.new.name, $0.matchedBy) }) == ["db-0": "name", "single-new": "workload"])
    }

    @Test("bundles from different clusters: flagged, pods matched by name even though their UIDs differ")
    func differentClusters() throws {
        let prod = try TestBundle.snapshot([TestPod(name: "checkout-1", uid: "prod-1", evidence: base.adding(process: ["sh"], pid: 300))],
                                           server: "https://prod.example:6443")
        let staging = try TestBundle.snapshot([TestPod(name: "checkout-1", uid: "prod-1")], server: "https://staging.example:6443")
        let c = try #require(SnapshotComparer.report([prod, staging]).comparisons?.first)
        #expect(c.differentClusters)
        #expect(c.pods.first?.matchedBy == "name")  // never by UID across clusters
        #expect(c.pods.first?.processes.removed.map(\.text) == ["sh (exe busybox)"])
        #expect(SnapshotComparer.report([prod, staging]).renderText().contains("different clusters (https://prod.example:6443 and https://staging.example:6443)"))
    }

    @Test("the evidence container's processes are noise; --ignore-process hides a process and its sockets")
    func noiseRules() throws {
        let shell = try #require(base.processes.evidenceShellPid)
        let withTool = base.adding(process: ["cat", "/proc/1/stat"], pid: shell + 1, ppid: shell)
        let quiet = SnapshotComparer.report([try TestBundle.snapshot(pods([base])), try TestBundle.snapshot(pods([withTool]), runID: "r2")])
        #expect(!quiet.differs, "\(quiet.renderText())")

        let withAgent = base.adding(process: ["/opt/agent", "--serve"], pid: 500).adding(listener: 9100, pid: 500, comm: "agent")
        let old = try TestBundle.snapshot(pods([base]))
        let new = try TestBundle.snapshot(pods([withAgent]), runID: "r2")
        #expect(SnapshotComparer.report([old, new]).differs)
        let ignored = SnapshotComparer.report([old, new], options: DiffOptions(ignoreProcesses: ["*agent --serve"]))
        #expect(!ignored.differs, "\(ignored.renderText())")
    }

    @Test("a pod without evidence on one side is not compared: a note, not a guess, and not a change")
    func missingEvidence() throws {
        let report = SnapshotComparer.report([try TestBundle.snapshot(pods([base])), try TestBundle.snapshot(pods([nil]), runID: "r2")])
        let comparison = try #require(report.comparisons?.first)
        #expect(comparison.pods.isEmpty)
        let pod = try #require(comparison.notCompared?.first)
        #expect(pod.notes.count == 1)
        #expect(pod.notes.first?.contains("new bundle has no evidence for this pod (outcome failed, ErrImagePull)") == true)
        #expect(!report.differs)
        #expect(report.renderText().contains("1 matched pod was not compared, having no evidence on a side"), "\(report.renderText())")
    }

    @Test("three bundles: a timeline of two comparisons")
    func timeline() throws {
        let changed = base.adding(process: ["nc", "-ll", "-p", "7777"], pid: 186).adding(listener: 7777, pid: 186, comm: "nc")
        let report = SnapshotComparer.report([try TestBundle.snapshot(pods([base]), runID: "t1"),
                                              try TestBundle.snapshot(pods([changed]), runID: "t2"),
                                              try TestBundle.snapshot(pods([base]), runID: "t3")])
        #expect(report.mode == .timeline)
        let steps = try #require(report.comparisons)
        #expect(steps.map(\.old.runID) == ["t1", "t2"])
        #expect(steps[0].pods.first?.listeners.added.map(\.key) == ["tcp [::]:7777"])
        #expect(steps[1].pods.first?.listeners.removed.map(\.key) == ["tcp [::]:7777"])
        #expect(report.renderText().contains("Step 2 of 2"))
    }
}
