@testable import Collector
import Evidence
import Foundation
import TestSupport
import Testing

/// A pod cannot hide processes or sockets by making its command lines large
/// (the issue: 60 shells with 200 KB of argv each filled the 8 MiB cap, 32 of
/// 121 processes and every socket were missing). What identifies comes first,
/// for every process; a cmdline is kept to a prefix with its true length.
@Suite("in-pod script: what identifies comes first, bulky content is capped", .enabled(if: NamespaceSandbox.available, "needs root, util-linux (unshare, nsenter, setpriv) and /bin/busybox"))
struct InPodHidingTests {
    /// 60 shells, each with two 100,000-byte arguments (one argument may not
    /// pass 128 KiB) and a sleep child, beside httpd listening on 8080.
    static let setup = InPodScriptRunTests.webSetup + """

        a=$(head -c 100000 /dev/zero | tr '\\0' x)
        i=0; while [ $i -lt 60 ]; do busybox sh -c 'sleep 1000; :' sh "$a" "$a" & i=$((i+1)); done
        i=0; while [ $(busybox pgrep -x sleep | busybox wc -l) -lt 61 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
        """

    /// busybox, sh, -c, "sleep 1000; :", sh and the two arguments, each with its NUL.
    static let argvBytes = 8 + 3 + 3 + 14 + 3 + 2 * 100_001

    /// The pids in the sandbox, before and after a run: those in both lived through it.
    static func pids(_ sandbox: NamespaceSandbox) throws -> Set<Int> {
        let out = try sandbox.run(["/bin/busybox", "sh", "-c", "cd /proc && echo [0-9]*"])
        return Set(out.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) })
    }

    static func bigShells(_ run: Collection) -> [Int] {
        run.processes.keys.sorted().filter { pid in
            run.processes[pid, default: []].contains { $0.key == "proc/\(pid)/cmdline" && $0.payload.starts(with: Array("busybox\u{0}sh\u{0}-c\u{0}sleep 1000; :\u{0}".utf8)) }
        }
    }

    @Test("60 shells with 200 KB of argv and a listener: every pid, the sockets, each argv cut at 4 KiB with its true length, under the cap")
    func bigArgvHidesNothing() throws {
        let sandbox = try NamespaceSandbox(setup: Self.setup)
        defer { sandbox.stop() }
        let before = try Self.pids(sandbox)
        let run = try Collection.run(in: sandbox)
        let after = try Self.pids(sandbox)

        #expect(run.output.status == 0, "stderr: \(run.output.stderr)")
        #expect(run.decoded.isIntact && run.decoded.cut == nil, "\(run.decoded.errors)")
        #expect(OutputIntegrity.verify(log: run.output.stdoutBytes, terminationMessage: run.terminationMessage).isVerified)
        #expect(run.output.stdoutBytes.count < InPodScript.Options.defaultOutputCap / 4, "\(run.output.stdoutBytes.count) bytes")
        #expect(run.record(.meta, "script/left-out") == nil && run.record(.meta, "script/content-left-out") == nil)

        // The run leaves no process of its own behind in the pod: only the
        // second listing's own shell is new.
        #expect(after.subtracting(before).count <= 1, "new pids after the run: \(after.subtracting(before).sorted())")
        let stable = before.intersection(after)
        #expect(stable.count >= 122, "\(stable.count) pids lived through the run")
        let missing = stable.filter { run.record(.file, "proc/\($0)/stat") == nil || run.record(.file, "proc/\($0)/cmdline") == nil }
        #expect(missing.isEmpty, "pids without stat or cmdline: \(missing.sorted())")

        let listener = run.tcpRows("tcp6").contains { $0.local.hasSuffix(":1F90") && $0.state == "0A" }
        #expect(listener, "no 8080 listener in proc/net/tcp6")

        let shells = Self.bigShells(run)
        #expect(shells.count == 60, "\(shells.count) shells with the big argv")
        for pid in shells {
            #expect(run.record(.file, "proc/\(pid)/cmdline")?.payload.count == 4096, "pid \(pid)")
            #expect(run.record(.meta, "proc/\(pid)/cmdline-length")?.text == String(Self.argvBytes), "pid \(pid)")
        }
        // A short cmdline has no length record: it is whole.
        let httpd = run.pids(withArgument: "httpd")
        for pid in httpd { #expect(run.record(.meta, "proc/\(pid)/cmdline-length") == nil) }
    }

    @Test("the sockets and every process's identity come before any cmdline; at a small cap the cut falls on content, never on the process list")
    func identityFirstAndCutOnContent() throws {
        let sandbox = try NamespaceSandbox(setup: Self.setup)
        defer { sandbox.stop() }
        let full = try Collection.run(in: sandbox)
        let keys = full.decoded.records.map(\.key)
        let firstNet = try #require(keys.firstIndex { $0.hasPrefix("proc/net/") })
        let firstProcess = try #require(keys.firstIndex { $0.hasPrefix("proc/") && Int($0.split(separator: "/")[1]) != nil })
        let firstCmdline = try #require(keys.firstIndex { $0.hasSuffix("/cmdline") })
        let lastStat = try #require(keys.lastIndex { $0.hasSuffix("/stat") && $0.hasPrefix("proc/") })
        #expect(firstNet < firstProcess, "the socket tables come after process records")
        #expect(lastStat < firstCmdline, "a cmdline comes before the last stat")

        // A cap that holds everything before the first cmdline and two
        // cmdlines more, as log (base64, with the kubelet's 46 bytes for each
        // KiB), and the closing room.
        let streamBytes = full.decoded.records[firstCmdline].offset + 2 * 4200
        let logBytes = (streamBytes + 2) / 3 * 4 + 1
        let cap = logBytes + 46 * (logBytes / 1024 + 2) + 3072 + 4096
        let pids = Set(full.processes.keys.filter { full.record(.file, "proc/\($0)/stat") != nil })
        let run = try Collection.run(in: sandbox, options: InPodScript.Options(outputCapBytes: cap))

        #expect(run.output.status == 0, "stderr: \(run.output.stderr)")
        #expect(run.decoded.cut != nil, "no cut at a cap of \(cap) bytes")
        #expect(run.record(.meta, "script/left-out") == nil, "\(run.record(.meta, "script/left-out")?.text ?? "")")
        let contentLeft = try #require(run.record(.meta, "script/content-left-out"))
        #expect(contentLeft.text.hasPrefix("processes="), "\(contentLeft.text)")
        let missing = pids.filter { run.record(.file, "proc/\($0)/stat") == nil }
        #expect(missing.isEmpty, "pids without stat at the cap: \(missing.sorted())")
        #expect(run.tcpRows("tcp6").contains { $0.local.hasSuffix(":1F90") && $0.state == "0A" })
    }
}
