import Foundation
import Testing

@testable import KubeLab

@Suite("Runtime: pods are real process trees")
struct RuntimePodNamespaceTests {
    @Test("app and sidecar share net, ipc and uts with the sandbox, have their own pid and mnt, and talk over loopback")
    func sharedAndPrivateNamespaces() async throws {
        let spec = appAndSidecar()
        try await withPod(spec) { pod, _ in
            for name in ["app", "sidecar"] {
                let state = await pod.waitForState(of: name) { $0.isRunning }
                #expect(state?.isRunning == true, "\(name): \(String(describing: state))")
            }
            let app = try #require(pod.container("app")?.hostPID)
            let sidecar = try #require(pod.container("sidecar")?.hostPID)
            let sandbox = pod.sandboxPID
            for kind in ["net", "ipc", "uts"] {
                let expected = try #require(ProcFS.namespace(sandbox, kind))
                #expect(ProcFS.namespace(app, kind) == expected, "\(kind)")
                #expect(ProcFS.namespace(sidecar, kind) == expected, "\(kind)")
                #expect(ProcFS.namespace(getpid(), kind) != expected, "\(kind) of the host")
            }
            for kind in ["pid", "mnt"] {
                let a = try #require(ProcFS.namespace(app, kind))
                let s = try #require(ProcFS.namespace(sidecar, kind))
                #expect(a != s, "\(kind)")
                #expect(a != ProcFS.namespace(getpid(), kind), "\(kind) of the host")
                #expect(s != ProcFS.namespace(getpid(), kind), "\(kind) of the host")
            }
            // httpd is pid 1 of the app's pid namespace: NSpid lists the host pid, then 1.
            let status = try String(contentsOfFile: "/proc/\(app)/status", encoding: .utf8)
            let nspid = status.split(separator: "\n").first { $0.hasPrefix("NSpid:") }
            #expect(nspid?.split(whereSeparator: \.isWhitespace).last == "1", "\(String(describing: nspid))")
            // Nothing of the lab leaks into the container: stdin is /dev/null, stdout and stderr
            // the log, and httpd's own listening socket is the only other descriptor.
            let fm = FileManager.default
            // "Running" comes as the last setup step execs into the command (through setpriv, which
            // still holds fds 7-9 for a moment): give httpd a bounded moment to be itself and listen.
            func httpdListens() -> Bool {
                let cmdline = (try? String(contentsOfFile: "/proc/\(app)/cmdline", encoding: .utf8)) ?? ""
                let fds = (try? fm.contentsOfDirectory(atPath: "/proc/\(app)/fd")) ?? []
                return cmdline.hasPrefix("httpd\0") && fds.contains { (try? fm.destinationOfSymbolicLink(atPath: "/proc/\(app)/fd/\($0)"))?.hasPrefix("socket:[") == true }
            }
            for _ in 0..<200 where !httpdListens() {
                try await Task.sleep(for: .milliseconds(50))
            }
            let fds = try fm.contentsOfDirectory(atPath: "/proc/\(app)/fd").sorted { Int($0) ?? 0 < Int($1) ?? 0 }
            // A descriptor listed may be gone when it is read: the accepted connection below.
            let targets = fds.map { (try? fm.destinationOfSymbolicLink(atPath: "/proc/\(app)/fd/\($0)")) ?? "(closed since)" }
            // (httpd briefly holds a connection it has just accepted from the sidecar before
            // its child takes it over, so there may be a second socket for a moment.)
            #expect(fds.prefix(4) == ["0", "1", "2", "3"], "\(targets)")
            // Compared by device and inode: the container's root is its mount namespace's root
            // (pivot_root), so from the host the links of files opened before the pivot read
            // oddly (`/null`), as they do for a runc container.
            func identity(_ path: String) -> [UInt64]? {
                var st = stat()
                guard stat(path, &st) == 0 else { return nil }
                return [UInt64(st.st_dev), UInt64(st.st_ino), UInt64(st.st_rdev)]
            }
            #expect(identity("/proc/\(app)/fd/0") == identity("/dev/null"), "\(targets)")
            let logFile = identity(pod.logPath(container: "app").path)
            #expect(logFile != nil && identity("/proc/\(app)/fd/1") == logFile && identity("/proc/\(app)/fd/2") == logFile, "\(targets)")
            #expect(targets.dropFirst(3).allSatisfy { $0.hasPrefix("socket:[") } && targets.count >= 4, "\(targets)")
            let cmdline = try String(contentsOfFile: "/proc/\(app)/cmdline", encoding: .utf8)
            #expect(cmdline.split(separator: "\0") == ["httpd", "-f", "-p", "8080"])
            // The sidecar fetched the pod's /etc/hostname from the app over 127.0.0.1.
            let log = pod.logPath(container: "sidecar")
            #expect(await eventually { contents(log).contains("fetched=\(spec.name)") }, "sidecar log: \(contents(log))")
            #expect(contents(log).contains("uts=\(spec.name)\n"), "the pod's hostname is the uts namespace's")
            // Each container sits in its own cgroup.
            let cgroup = try String(contentsOfFile: "/proc/\(app)/cgroup", encoding: .utf8)
            for dir in try #require(pod.container("app")).cgroupDirectories {
                let relative = dir.split(separator: "/").drop { $0 != "kubelab" }.joined(separator: "/")
                #expect(cgroup.contains("/\(relative)\n"), "\(cgroup)")
            }
        }
    }

    @Test("with shareProcessNamespace every container is in the sandbox's pid namespace")
    func sharedProcessNamespace() async throws {
        try await withPod(appAndSidecar(shareProcessNamespace: true)) { pod, _ in
            for name in ["app", "sidecar"] {
                #expect(await pod.waitForState(of: name) { $0.isRunning }?.isRunning == true)
            }
            let pidNS = try #require(ProcFS.namespace(pod.sandboxPID, "pid"))
            #expect(pidNS != ProcFS.namespace(getpid(), "pid"))
            for name in ["app", "sidecar"] {
                let pid = try #require(pod.container(name)?.hostPID)
                #expect(ProcFS.namespace(pid, "pid") == pidNS, "\(name)")
                #expect(ProcFS.namespace(pid, "mnt") != ProcFS.namespace(pod.sandboxPID, "mnt"), "\(name)")
            }
        }
    }

    @Test("a container that exits is terminated with its exit code, message and times; the log holds its output")
    func exitCodeAndMessage() async throws {
        let spec = LabRuntime.PodSpec(
            namespace: "shop", name: "job", uid: newUID(),
            containers: [busybox("main", "echo out; echo err >&2; printf 'sha256:abc123' > /dev/termination-log; exit 3")])
        try await withPod(spec) { pod, _ in
            let state = await pod.waitForState(of: "main") { $0.isTerminated }
            guard case .terminated(let code, let reason, let message, let startedAt, let finishedAt) = state else {
                Issue.record("main did not terminate: \(String(describing: state))")
                return
            }
            #expect(code == 3)
            #expect(reason == "Error")
            #expect(message == "sha256:abc123")
            #expect(startedAt <= finishedAt)
            #expect(contents(pod.logPath(container: "main")) == "out\nerr\n")
        }
    }
}
