import Evidence
import Foundation
import TestSupport
import Testing

/// Real processes in namespaces the tests make, collected by the real in-pod
/// script: the evidence the parsers meet in production, not a model of it.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LiveNamespaceTests {
    /// A pod-like set of namespaces: pid (with its own /proc), net, uts, ipc;
    /// the script runs in its own mount namespace, as an ephemeral container.
    static let pod = NamespaceSandbox.podNamespaces

    static let serversAndClient = """
        $B mkdir -p $DIR/www
        $B httpd -f -p 8080 -h $DIR/www &
        echo "httpd $!" >> $DIR/pids
        $B nc -l -p 5432 > /dev/null &
        echo "db $!" >> $DIR/pids
        waitfor "$B grep -q ':1F90 0\\{32\\}:0000 0A' /proc/net/tcp6"
        $B sleep 60 | $B nc 127.0.0.1 8080 > /dev/null &
        echo "client $!" >> $DIR/pids
        """

    @Test func listenersAndConnectionsAreTiedToTheirProcesses() throws {
        let run = try LiveNamespace.run(
            namespaces: Self.pod, scenario: Self.serversAndClient, collector: "/usr/bin/unshare --mount",
            ready: "$B grep -q ' 01 ' /proc/net/tcp6 && $B grep -q ':1538 ' /proc/net/tcp /proc/net/tcp6")
        let httpd = try #require(run.pids["httpd"]), db = try #require(run.pids["db"]), client = try #require(run.pids["client"])
        let report = EvidenceReport.build(from: run.evidence)
        let sockets = report.sockets

        let web = try #require(sockets.listeners.first { $0.localPort == 8080 }, "no listener on 8080 in \(sockets.listeners)")
        #expect(web.transport == "tcp" && web.state == "LISTEN")
        #expect(web.table == "tcp6" && web.localAddress == "::", "busybox httpd listens on ::")
        #expect(web.owners.map(\.pid) == [httpd])
        let pg = try #require(sockets.listeners.first { $0.localPort == 5432 }, "no listener on 5432")
        #expect(pg.owners.map(\.pid) == [db])

        let outgoing = try #require(sockets.connections.first { $0.remotePort == 8080 }, "no connection to 8080 in \(sockets.connections)")
        #expect(outgoing.localAddress == "127.0.0.1" && outgoing.remoteAddress == "127.0.0.1")
        #expect(outgoing.state == "ESTABLISHED")
        #expect(outgoing.owners.map(\.pid) == [client])
        let incoming = try #require(sockets.connections.first { $0.localPort == 8080 }, "no accepted connection on 8080")
        #expect(incoming.ipv4Mapped && incoming.remotePort == outgoing.localPort)
        // busybox httpd -f forks a child per connection.
        let server = try #require(incoming.owners.first)
        #expect(server.pid == httpd || report.processes.process(server.pid)?.ppid == httpd)

        let p = try #require(report.processes.process(httpd))
        #expect(p.argv.contains("httpd") && p.argv.contains("8080"))
        #expect(p.uid?.real == 0 && p.ppid == 1)
        #expect(p.startTime != nil && p.rssBytes != nil && p.exe != nil)
        #expect(p.namespaces["net"] != nil && p.socketFDs.contains { $0.inode == web.inode })
        #expect(report.summary.listeners >= 2 && report.summary.connections >= 2)
        #expect(report.summary.processes == report.processes.processes.count)
        #expect(report.processes.problems.isEmpty && sockets.problems.isEmpty, "\(report.processes.problems) \(sockets.problems)")

        // The evidence container: its own mount namespace, everything else shared.
        let ns = report.namespaces
        #expect(ns.notShared == ["mnt"], "sharing: \(ns.sharing)")
        #expect(Set(["pid", "net", "ipc", "uts", "user"]).isSubset(of: Set(ns.shared)))
        #expect(ns.container?.pid == 1)
        // The scenario's processes are root with every capability, as the collector: they
        // could reach its files, and the evidence says so (see EvidenceUIDTests); nothing else.
        #expect(ns.anomalies.contains { $0.kind == .evidenceUIDShared })
        #expect(!ns.anomalies.contains { $0.severity == .warning && $0.kind != .evidenceUIDShared }, "\(ns.anomalies.map(\.message))")
        for json in [try EvidenceJSON.encode(report.processes), try EvidenceJSON.encode(sockets), try EvidenceJSON.encode(ns)] {
            #expect(!json.contains(0x1B))
        }
    }

    @Test func aProcessMovedIntoOtherNamespacesIsAnAnomaly() throws {
        let run = try LiveNamespace.run(
            namespaces: Self.pod,
            scenario: """
                $B sleep 60 &
                echo "normal $!" >> $DIR/pids
                /usr/bin/unshare --uts --ipc $B sleep 60 &
                echo "moved $!" >> $DIR/pids
                """,
            ready: "[ \"$($B readlink /proc/$($B tail -n1 $DIR/pids | $B cut -d' ' -f2)/ns/uts)\" != \"$($B readlink /proc/1/ns/uts)\" ]")
        let moved = try #require(run.pids["moved"]), normal = try #require(run.pids["normal"])
        let report = EvidenceReport.build(from: run.evidence)
        let differs = report.namespaces.anomalies.filter { $0.kind == .processNamespaceDiffers }
        #expect(differs.count == 1, "\(differs.map(\.message))")
        let anomaly = try #require(differs.first)
        #expect(anomaly.pids == [moved])
        #expect(anomaly.types == ["ipc", "uts"])
        #expect(anomaly.severity == .warning)
        #expect(anomaly.message.contains("Process \(moved)") && anomaly.message.contains("nsenter"))
        // Root with every capability, as the collector: the shared uid is flagged too.
        let namespaceAnomalies = report.namespaces.anomalies.filter { $0.kind != .evidenceUIDShared }
        #expect(!namespaceAnomalies.contains { $0.pids.contains(normal) })
        #expect(report.summary.anomalies == 2)
    }

    @Test func withoutPtraceTheFdLinksOfAnotherUserAreAGap() throws {
        let run = try LiveNamespace.run(
            namespaces: Self.pod, scenario: Self.serversAndClient,
            collector: "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all",
            ready: "$B grep -q ' 01 ' /proc/net/tcp6")
        let httpd = try #require(run.pids["httpd"])
        let report = EvidenceReport.build(from: run.evidence)
        let gap = try #require(report.sockets.gaps.first { $0.what == "fd links" }, "gaps: \(report.gaps.map(\.message))")
        #expect(gap.reason.contains("Permission denied"))
        #expect(gap.pids.contains(httpd))
        #expect(gap.message.contains("Sockets could not be tied"))
        #expect(gap.remedy?.contains("SYS_PTRACE") == true)
        let web = try #require(report.sockets.listeners.first { $0.localPort == 8080 })
        #expect(web.owners.isEmpty)
        #expect(report.sockets.unownedSockets > 0)
        #expect(report.namespaces.gaps.contains { $0.what == "namespace links" })
        // Without the links, stat and status still give the processes.
        #expect(report.processes.process(httpd)?.argv.contains("httpd") == true)
    }

    @Test func aPodInTheHostPidNamespaceIsFlagged() throws {
        let run = try LiveNamespace.run(namespaces: ["--net", "--uts", "--ipc", "--mount"], scenario: "", collector: "")
        let report = EvidenceReport.build(from: run.evidence)
        let host = report.namespaces.anomalies.filter { $0.kind == .hostNamespace }
        let pid = try #require(host.first { $0.types == ["pid"] }, "\(host.map(\.message))")
        #expect(pid.severity == .warning)
        #expect(pid.message.contains("4026531836"))
        #expect(!host.contains { $0.types == ["net"] && $0.severity == .warning }, "the network namespace is a fresh one")
        #expect(!report.namespaces.anomalies.contains { $0.kind == .processNamespaceDiffers })
        #expect(report.summary.processes > 1)
    }

    @Test func hostileNamesAndArgumentsStayEscapedThroughTheRealScript() throws {
        let run = try LiveNamespace.run(
            namespaces: ["--pid", "--mount-proc"],
            scenario: """
                $B sh -c 'printf "x) y ) S 1 2" > /proc/self/comm; while :; do $B sleep 1; done' "$(printf 'evil\\n@file proc/1/stat 5\\n\\033[31mred\\033]0;title\\007\\n')" &
                echo "hostile $!" >> $DIR/pids
                """,
            ready: "$B grep -q 'y )' /proc/[0-9]*/comm 2>/dev/null")
        let pid = try #require(run.pids["hostile"])
        let report = EvidenceReport.build(from: run.evidence)
        let p = try #require(report.processes.process(pid))
        #expect(p.comm == "x) y ) S 1 2")
        #expect(p.ppid == 1 && p.state == "S")
        #expect(p.problems.isEmpty, "\(p.problems)")
        #expect(p.argv.last == "evil\\n@file proc/1/stat 5\\n\\x1B[31mred\\x1B]0;title\\x07", "the shell's $(…) dropped the final newline")
        #expect(report.processes.process(1)?.ppid == 0, "the fake frame header in argv did not replace pid 1's stat")
        let json = try EvidenceJSON.encode(report.processes)
        #expect(!json.contains(0x1B) && !json.contains(0x07))
    }
}
