import Evidence
import Foundation
import Testing

/// A process of the pod that runs as the evidence container's uid, with no
/// capability the evidence container lacks, could have reached the evidence
/// through /proc/<pid>/root before it was hashed: the evidence must say so.
/// Real processes in real namespaces, collected by the real in-pod script.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct EvidenceUIDTests {
    /// Runs the rest of the line as `uid`, with no capability at all, as a
    /// pod's process (or the restricted evidence container) under "drop ALL".
    static func asUser(_ uid: Int, noNewPrivs: Bool = false) -> String {
        "/usr/bin/setpriv --reuid=\(uid) --regid=\(uid) --clear-groups --inh-caps=-all --bounding-set=-all"
            + (noNewPrivs ? " --no-new-privs" : "")
    }

    static func scenario(_ prefix: String) -> String {
        """
        \(prefix) $B sleep 60 &
        echo "target $!" >> $DIR/pids
        $B sleep 60 &
        echo "root $!" >> $DIR/pids
        """
    }

    @Test("a process with the evidence container's uid and no capability it lacks is a warning naming it; the shell's own children are not")
    func sharedUIDIsFlagged() throws {
        let run = try LiveNamespace.run(
            namespaces: LiveNamespaceTests.pod, scenario: Self.scenario(Self.asUser(65534)),
            collector: "/usr/bin/unshare --mount " + Self.asUser(65534, noNewPrivs: true))
        let target = try #require(run.pids["target"])
        let report = EvidenceReport.build(from: run.evidence)
        let anomaly = try #require(report.namespaces.anomalies.first { $0.kind == .evidenceUIDShared },
                                   "\(report.namespaces.anomalies.map(\.message))")
        #expect(anomaly.severity == .warning)
        #expect(anomaly.pids == [target], "only the pod's process; the script's cp, ls and awk share the uid by design")
        #expect(anomaly.message.hasPrefix("A process of the pod runs as the evidence container's uid 65534: it could have reached the evidence before it was hashed."))
        #expect(anomaly.message.contains("Process \(target) ("))
        #expect(report.evidenceMayBeAltered == anomaly)
        #expect(report.summary.anomalyMessages.contains(anomaly.message))
        #expect(report.summary.anomalies >= 1)

        // What the evidence container really was, from its own status.
        let shell = try #require(report.evidenceShell)
        #expect(shell.uids == [65534, 65534, 65534, 65534] && shell.gids == [65534, 65534, 65534, 65534])
        #expect(shell.capEff == "0000000000000000" && shell.capPrm == "0000000000000000")
        #expect(shell.effectiveCapabilities == [])
        #expect(shell.noNewPrivs == true)
        #expect(shell.pid == report.processes.evidenceShellPid)
    }

    @Test("the same pod, collected as another uid without capabilities, has no such anomaly")
    func anotherUIDIsNotFlagged() throws {
        let run = try LiveNamespace.run(
            namespaces: LiveNamespaceTests.pod, scenario: Self.scenario(Self.asUser(65534)),
            collector: "/usr/bin/unshare --mount " + Self.asUser(65532, noNewPrivs: true))
        let report = EvidenceReport.build(from: run.evidence)
        #expect(!report.namespaces.anomalies.contains { $0.kind == .evidenceUIDShared }, "\(report.namespaces.anomalies.map(\.message))")
        #expect(report.evidenceMayBeAltered == nil)
        #expect(report.evidenceShell?.uid == 65532)
        let target = try #require(run.pids["target"])
        #expect(report.processes.process(target)?.uid?.real == 65534)
    }

    @Test("root processes without a capability the root evidence container holds cannot reach it: no anomaly")
    func rootWithFewerCapabilitiesIsNotFlagged() throws {
        // The pod's processes as a runtime starts them (no SYS_PTRACE); the evidence
        // container as root with every capability, as the standard profile adds SYS_PTRACE.
        let run = try LiveNamespace.run(
            namespaces: LiveNamespaceTests.pod,
            scenario: Self.scenario("/usr/bin/setpriv --inh-caps=-sys_ptrace --bounding-set=-sys_ptrace"),
            collector: "/usr/bin/unshare --mount")
        let target = try #require(run.pids["target"])
        let report = EvidenceReport.build(from: run.evidence)
        #expect(report.processes.process(target)?.uid?.effective == 0)
        #expect(report.processes.process(target)?.capabilities?.contains("CAP_SYS_PTRACE") == false)
        let anomaly = report.namespaces.anomalies.first { $0.kind == .evidenceUIDShared }
        // The scenario's own shell (pid 1) and the root sleep keep every capability: they are named, the target is not.
        #expect(anomaly?.pids.contains(target) != true, "\(anomaly?.message ?? "")")
        #expect(report.evidenceShell?.uid == 0)
        #expect(report.evidenceShell?.effectiveCapabilities?.contains("CAP_SYS_PTRACE") == true)
    }
}
