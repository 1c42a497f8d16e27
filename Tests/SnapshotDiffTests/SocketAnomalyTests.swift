import BundleSamples
import Evidence
import Foundation
import Presentation
import SnapshotDiff
import Testing

/// A forged unix socket row is an anomaly of the container, for `diff` as
/// for the manifest and `inspect`: it appears between two snapshots, and it
/// makes a replica stand out. Its line numbers and inodes change with every
/// snapshot, so they must not make it look like another anomaly.
@Suite("diff: socket anomalies")
struct SocketAnomalyTests {
    let base = RealEvidence.decoded()

    @Test("a forged unix row appears as an anomaly of the pod whose httpd holds the socket; moved to another line and inode, it is the same one")
    func overTime() throws {
        func pods(_ evidence: [Snapshot.ContainerEvidence]) -> [TestPod] {
            evidence.enumerated().map { TestPod(name: "checkout-6c58576cd9-p\($0.offset)", uid: "uid-\($0.offset)", evidence: $0.element) }
        }
        let forged = base.withForgedUnixRow(socketInode: 500)
        let anomaly = try #require(forged.sockets.anomalies.first)
        #expect(anomaly.kind == .unixPathWithNewline && anomaly.severity == .warning)

        let report = SnapshotComparer.report([try TestBundle.snapshot(pods([base, base])),
                                              try TestBundle.snapshot(pods([base, forged]), runID: "run2")])
        #expect(report.differs)
        let pod = try #require(report.comparisons?.first?.pods.first)
        #expect(pod.new.name == "checkout-6c58576cd9-p1")
        #expect(pod.anomalies.added.map(\.text) == [anomaly.message])
        #expect(pod.anomalies.added.first?.owners == ["httpd -f -p 8080 (exe busybox)"])
        #expect(pod.anomalies.added.first?.pids == [23])
        #expect(pod.anomalies.removed.isEmpty && pod.processes.isEmpty && pod.listeners.isEmpty && pod.connections.isEmpty)
        #expect(report.renderText().contains("+ anomaly proc/net/unix: the unix socket at line 2 (inode 500) is bound to a name holding a newline"),
                "\(report.renderText())")

        // The next snapshot: the same socket, re-created (another inode) behind another row.
        let moved = base.withForgedUnixRow(socketInode: 900, rowsBefore: 2)
        #expect(moved.sockets.anomalies.first?.lines != anomaly.lines)
        let again = SnapshotComparer.report([try TestBundle.snapshot(pods([base, forged])),
                                             try TestBundle.snapshot(pods([base, moved]), runID: "run2")])
        #expect(!again.differs, "\(again.renderText())")
    }

    @Test("the replica with a forged unix row stands out with that anomaly; unverifiable rows (a hint) make none stand out")
    func replicas() throws {
        let snapshot = try TestBundle.snapshot([
            TestPod(name: "checkout-a", uid: "a", evidence: base),
            TestPod(name: "checkout-b", uid: "b", evidence: base.withForgedUnixRow(socketInode: 500)),
            TestPod(name: "checkout-c", uid: "c", evidence: base),
        ])
        let checkout = try #require(DiffReport(replicas: ReplicaComparer.compare(snapshot)).replicas?.groups.first)
        #expect(checkout.odd.map(\.pod.name) == ["checkout-b"])
        #expect(checkout.odd.first?.extra.map(\.kind) == [.anomaly])
        #expect(checkout.odd.first?.score == DiffItem.Kind.anomaly.weight)

        let hinted = try TestBundle.snapshot([
            TestPod(name: "checkout-a", uid: "a", evidence: base),
            TestPod(name: "checkout-b", uid: "b", evidence: base.withForgedUnixRow(socketInode: 500, fdLinks: false)),
        ])
        #expect(base.withForgedUnixRow(socketInode: 500, fdLinks: false).sockets.anomalies.map(\.kind) == [.unverifiableUnixRows])
        let group = try #require(DiffReport(replicas: ReplicaComparer.compare(hinted)).replicas?.groups.first)
        #expect(group.odd.isEmpty, "\(group.odd)")
    }
}

extension Snapshot.ContainerEvidence {
    /// The evidence with the unix table the kernel prints when httpd (pid 23)
    /// binds a socket to a name holding a newline and a forged row, built by
    /// the Evidence parser as `collect` builds it: `rowsBefore` unbound
    /// sockets of httpd come first (they move the lines), and without
    /// `fdLinks` the table cannot be verified.
    func withForgedUnixRow(socketInode inode: UInt64, rowsBefore: Int = 0, fdLinks: Bool = true) -> Self {
        var unix = "Num       RefCount Protocol Flags    Type St Inode Path\n"
        var held: [UInt64] = []
        for n in 0..<UInt64(rowsBefore) {
            unix += "0000000000000000: 00000003 00000000 00000000 0001 03 \(inode + 1 + n)\n"
            held.append(inode + 1 + n)
        }
        unix += "0000000000000000: 00000002 00000000 00010000 0001 01 \(inode) @ev-1234\n"
            + "0000000000000000: 00000002 00000000 00010000 0001 01 3999999999 /run/forged-by-pod.sock\n"
        held.append(inode)
        var records = [EvidenceRecord(kind: .file, key: "proc/net/unix", text: unix),
                       EvidenceRecord(kind: .file, key: "proc/23/stat", text: "23 (httpd) S 1 23 23 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 1 1")]
        if fdLinks {
            for (fd, socket) in held.enumerated() {
                records.append(EvidenceRecord(kind: .link, key: "proc/23/fd/\(fd + 3)", text: "socket:[\(socket)]"))
            }
            records.append(EvidenceRecord(kind: .meta, key: "proc/23/fd", text: "fds=\(held.count) sockets=\(held.count) unreadable=0"))
        }
        let table = SocketTable.build(from: GatheredEvidence(records: records))
        var copy = self
        copy.sockets.unix = table.unix
        copy.sockets.unixVerification = table.unixVerification
        copy.sockets.anomalies = table.anomalies
        return copy
    }
}
