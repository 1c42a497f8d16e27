import Foundation
import Testing

@testable import KubeLab

/// A lab pod is confined as a runc container is: nothing on the host is
/// reachable from inside, through its own root or another process's.
@Suite("lab runtime: confinement", .serialized)
struct RuntimeConfinementTests {
    /// Tries every way a root container has to a host file: the path
    /// itself, and the root and cwd links of every process it sees. The
    /// container adds CAP_SYS_PTRACE (as a debugging sidecar, or a deep
    /// collection, does) to the default set, CAP_SYS_CHROOT among it.
    static func probe(_ marker: String) -> String {
        """
        for p in /proc/[0-9]*; do for d in root cwd; do
            cat "$p/$d\(marker)" 2>/dev/null && echo "read through $p/$d"
            cat "$p/$d/etc/shadow" 2>/dev/null | grep -q '^root:' && echo "host shadow through $p/$d"
        done; done
        cat "\(marker)" 2>/dev/null && echo "read directly"
        echo "pid 1 root: $(ls /proc/1/root | tr '\\n' ' ')"
        echo probed; sleep 1000
        """
    }

    @Test("with shareProcessNamespace, the pause process's root holds only its busybox: no host file through /proc/1/root", arguments: [true, false])
    func noHostFiles(shareProcessNamespace: Bool) async throws {
        let fixture = try RuntimeFixture.make()
        defer { fixture.cleanUp() }
        let marker = fixture.directory.appendingPathComponent("host-secret").path
        try Data("HOST-SECRET\n".utf8).write(to: URL(fileURLWithPath: marker))
        let spec = LabRuntime.PodSpec(namespace: "shop", name: "probe", uid: newUID(),
                                      containers: [busybox("main", Self.probe(marker), securityContext: .init(addCapabilities: ["SYS_PTRACE"]))], shareProcessNamespace: shareProcessNamespace)
        let pod = try await fixture.runtime.startPod(spec)
        let log = pod.logPath(container: "main")
        let done = await eventually { contents(log).contains("probed") }
        let output = contents(log)
        // The pause process waits in one sleep (with a shared pid namespace it is pid 1 and
        // reaps there); a sleep that could not start would have it spinning.
        let sleeps = { () -> String in
            let children = (try? String(contentsOfFile: "/proc/\(pod.sandboxPID)/task/\(pod.sandboxPID)/children", encoding: .utf8)) ?? ""
            return children.split(separator: " ").map { pid in
                "\(pid):" + ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "?").trimmingCharacters(in: .whitespacesAndNewlines)
            }.joined(separator: " ")
        }
        let first = sleeps()
        try await Task.sleep(for: .milliseconds(300))
        #expect(!shareProcessNamespace || (first.hasSuffix(":busybox") && !first.contains(" ")), "children of the pause process: \(first)")
        #expect(sleeps() == first)
        await pod.stop()
        #expect(done, "\(output)")
        #expect(!output.contains("HOST-SECRET"), "\(output)")
        #expect(!output.contains("read "), "\(output)")
        #expect(!output.contains("host shadow"), "\(output)")
        if shareProcessNamespace {
            // pid 1 is the pause process, whose root holds only its own binary (and /dev/null), as the pause image does.
            #expect(output.contains("pid 1 root: busybox dev \n"), "\(output)")
        } else {
            // pid 1 is the container's own shell, in the image's root; the pause process is out of sight.
            #expect(output.contains("pid 1 root: bin "), "\(output)")
        }
    }
}
